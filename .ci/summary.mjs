// Reads vitest's JSON report: prints the skipped tests in one line with the reason their names
// carry (test/support/supabase.ts names a test skipped for want of the auth server
// "... [skipped: <reason>]"), fails when a test was skipped for any other reason, then prints the
// plain 'N passed, N failed, N skipped' line.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const MARK = /\[skipped: ([^\]]+)\]/;
const skipped = report.testResults.flatMap((file) =>
  file.assertionResults
    .filter((test) => test.status === 'skipped' || test.status === 'pending' || test.status === 'todo')
    .map((test) => ({ file: path.relative(process.cwd(), file.name), reason: MARK.exec(test.fullName)?.[1] })),
);
const unexplained = skipped.filter((test) => test.reason === undefined || !path.basename(test.file).includes('supabase'));
if (skipped.length > 0) {
  const reasons = [...new Set(skipped.flatMap((test) => test.reason ?? []))];
  const files = [...new Set(skipped.map((test) => test.file))];
  console.log(`skipped ${skipped.length} tests (${reasons.join('; ') || 'no reason given'}): ${files.join(', ')}`);
}
if (unexplained.length > 0) {
  console.log(`${unexplained.length} tests were skipped without cause: only Supabase Auth tests may be skipped, and only when its server is absent`);
}
console.log(`${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests + report.numTodoTests} skipped`);
process.exit(unexplained.length > 0 ? 1 : 0);
