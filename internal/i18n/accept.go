package i18n

import (
	"slices"
	"strings"

	"golang.org/x/text/language"
)

// Bounds on the Accept-Language header read, so a hostile header costs little. Browsers send
// a handful of entries; 32 is far beyond any real preference list.
const (
	maxAcceptEntries = 32
	maxAcceptLength  = 4096
)

// Preferences parses an Accept-Language header (RFC 9110 §12.5.4) into language tags, most
// preferred first: q-values order them (ties keep header order), q=0 and "*" entries are
// dropped, and an entry that does not parse is skipped rather than spoiling the rest.
func Preferences(acceptLanguage string) []language.Tag {
	if len(acceptLanguage) > maxAcceptLength {
		acceptLanguage = acceptLanguage[:maxAcceptLength]
		// Drop the entry the cut went through.
		if i := strings.LastIndexByte(acceptLanguage, ','); i >= 0 {
			acceptLanguage = acceptLanguage[:i]
		}
	}
	type weighted struct {
		tag language.Tag
		q   float32
	}
	var prefs []weighted
	rest := acceptLanguage
	for n := 0; rest != "" && n < maxAcceptEntries; n++ {
		var entry string
		entry, rest, _ = strings.Cut(rest, ",")
		entry = strings.TrimSpace(entry)
		if entry == "" || strings.HasPrefix(entry, "*") {
			continue
		}
		// x/text parses one entry with its weight; it rejects a whole header for one bad entry,
		// hence the entry at a time.
		tags, qs, err := language.ParseAcceptLanguage(entry)
		if err != nil || len(tags) != 1 {
			continue // malformed, or q=0 ("not acceptable")
		}
		prefs = append(prefs, weighted{tags[0], qs[0]})
	}
	slices.SortStableFunc(prefs, func(a, b weighted) int {
		switch {
		case a.q > b.q:
			return -1
		case a.q < b.q:
			return 1
		}
		return 0
	})
	tags := make([]language.Tag, len(prefs))
	for i, p := range prefs {
		tags[i] = p.tag
	}
	return tags
}
