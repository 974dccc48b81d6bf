// Reads vitest's JSON report: prints the skipped tests in one line with the reason the test support
// recorded (test/support/supabase.ts writes it when the auth server is absent), fails when a test
// was skipped for any other reason, then prints the plain 'N passed, N failed, N skipped' line.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const [reportFile, reasonFile] = process.argv.slice(2);
const report = JSON.parse(readFileSync(reportFile, 'utf8'));
const skipped = report.testResults.flatMap((file) =>
  file.assertionResults
    .filter((test) => test.status === 'skipped' || test.status === 'pending' || test.status === 'todo')
    .map((test) => `${path.relative(process.cwd(), file.name)} > ${test.fullName}`),
);
let unexplained = false;
if (skipped.length > 0) {
  const reason = existsSync(reasonFile) ? readFileSync(reasonFile, 'utf8').trim() : '';
  const files = [...new Set(skipped.map((name) => name.split(' > ')[0]))];
  unexplained = reason === '' || files.some((file) => !path.basename(file).includes('supabase'));
  console.log(`skipped ${skipped.length} tests (${reason || 'no reason recorded'}): ${files.join(', ')}`);
  if (unexplained) console.log('only tests that need the Supabase Auth server may be skipped, and only when it is absent');
}
console.log(`${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests + report.numTodoTests} skipped`);
process.exit(unexplained ? 1 : 0);
