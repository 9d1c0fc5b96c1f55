package account

import (
	"slices"

	"golang.org/x/text/language"
)

// preferredLanguage picks, among the language tags a client localized its metadata into
// (chosen by whoever registered it, so possibly malformed), the one that best serves the
// user's preferences, most preferred first. It uses x/text's matcher, so a user asking for
// "fr-CA" gets "fr" values and one asking for "de" gets "de-DE" values (RFC 4647 lookup, with
// language distance); ok is false when none fits.
func preferredLanguage(available []string, prefs []language.Tag) (string, bool) {
	var tags []language.Tag
	var names []string
	for _, a := range available {
		if slices.Contains(names, a) {
			continue
		}
		tag, err := language.Parse(a)
		if err != nil {
			continue
		}
		tags = append(tags, tag)
		names = append(names, a)
	}
	if len(tags) == 0 || len(prefs) == 0 {
		return "", false
	}
	_, i, confidence := language.NewMatcher(tags).Match(prefs...)
	if confidence == language.No || i < 0 || i >= len(names) {
		return "", false
	}
	return names[i], true
}
