import { BSONRegExp } from 'mongodb';

/*
 * Regular expressions for MongoDB queries, built only from validated ids and normalized emails.
 * They are a pre-filter: each adapter reads the matched documents with src/ids and keeps only
 * those that really match, so a pattern may match too much but must never match too little.
 *
 * Seen on mongo-java-server 1.47 (the local test server): `collation` is accepted and silently
 * ignored (a strength-2 query still compares case-sensitively), so case-insensitive matching is
 * done with regexes; character classes and `(?:…)` groups work. Patterns go over the wire as BSON
 * regular expressions, not `{$regex, $options}` documents: the two mean the same to MongoDB, but
 * the test server compiles a document's pattern again for every document it matches, and a BSON
 * regular expression's once per query.
 */

/**
 * Escapes every ASCII punctuation character. A backslash before punctuation is literal in both
 * PCRE (MongoDB) and java.util.regex (the test server); before a letter it may start a class.
 */
export function escapeRegex(text: string): string {
  return text.replace(/[\x20-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]/g, (character) => `\\${character}`);
}

/**
 * Spells each letter as a class of its two cases (`[aA]`), so that a match ignores case however
 * the server implements `i` (java.util.regex folds ASCII only unless asked); everything else is
 * escaped. `text` is lower-case; a letter whose upper case is not one character stays as it is.
 */
function anyCase(text: string): string {
  return [...text]
    .map((character) => {
      const upper = character.toUpperCase();
      return upper !== character && [...upper].length === 1 ? `[${character}${upper}]` : escapeRegex(character);
    })
    .join('');
}

/**
 * Matches a stored email equal to the normalized `email` apart from letter case and surrounding
 * whitespace (a stored email may be padded; matching compares trimmed values). `i` stays on for
 * servers whose folding knows more pairs than toUpperCase (the Kelvin sign).
 */
export function emailPattern(email: string): BSONRegExp {
  return new BSONRegExp(`^\\s*${anyCase(email)}\\s*$`, 'i');
}
