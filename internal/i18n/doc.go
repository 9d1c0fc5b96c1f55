// Package i18n owns the words of mxauth's pages: the message catalogues (English, the source,
// and German), the choice of a language from a browser's Accept-Language header, and the
// translation of a message id with its template data and plural count.
//
// The catalogues are go-i18n JSON files embedded in the binary (messages/<tag>.json). New
// loads them once at start and refuses to start when one is broken: a form that is not a
// valid message template, a translation missing an id of the source or carrying an id the
// source does not have, a translation with other placeholders than the source, or a plural
// message without the source's plural forms. A test runs New, so a broken catalogue never
// ships.
//
// Placeholders are plain fields, {{.Name}}, and nothing else: translators need no template
// language, and a message with one placeholder can be split around it (Language.Split) so a
// page can wrap the value in markup (a <strong>, a <code>) while the words around it stay the
// translator's. A plural message has the CLDR forms of its language ("one", "other" for English
// and German) and picks one by its "Count" data (go-i18n's plural rules).
//
// Bundle.Match picks the page language from Accept-Language (RFC 9110 §12.5.4) with the
// matcher of golang.org/x/text/language, which knows that de-AT, de-CH and gsw are served by
// "de", honours q-values and falls back to English when nothing fits. Unlike x/text's own
// parser, one malformed entry does not discard the rest of the header.
//
// Translations are plain text. Callers insert them with html/template, which escapes them;
// a translation can never inject markup.
package i18n
