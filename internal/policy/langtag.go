package policy

import "strings"

// validLanguageTag reports whether tag is a well-formed BCP 47 language tag (RFC 5646 §2.1,
// the Language-Tag rule), as the field#tag keys of RFC 7591 §2.2 require. It checks syntax
// only, not the IANA registry: a client may name a language this server has no table for, and
// the tag is only echoed back. Case is not folded: the client gets back the key it sent.
func validLanguageTag(tag string) bool {
	if tag == "" || len(tag) > maxLanguageTagLength {
		return false
	}
	if isIrregularLanguageTag(strings.ToLower(tag)) {
		return true
	}
	subtags := strings.Split(tag, "-")
	for _, s := range subtags {
		if s == "" || len(s) > 8 || !isAlphanumeric(s) {
			return false
		}
	}
	if strings.EqualFold(subtags[0], "x") {
		return validPrivateUse(subtags[1:])
	}
	// language = 2*3ALPHA ["-" extlang] / 4ALPHA / 5*8ALPHA
	language := subtags[0]
	if len(language) < 2 || !isAlpha(language) {
		return false
	}
	i := 1
	if len(language) <= 3 { // extlang = 3ALPHA *2("-" 3ALPHA)
		for n := 0; n < 3 && i < len(subtags) && len(subtags[i]) == 3 && isAlpha(subtags[i]); n++ {
			i++
		}
	}
	if i < len(subtags) && len(subtags[i]) == 4 && isAlpha(subtags[i]) { // script = 4ALPHA
		i++
	}
	if i < len(subtags) && isRegion(subtags[i]) { // region = 2ALPHA / 3DIGIT
		i++
	}
	for i < len(subtags) && isVariant(subtags[i]) {
		i++
	}
	// extension = singleton 1*("-" (2*8alphanum)); "x" is not a singleton but private use.
	for i < len(subtags) && len(subtags[i]) == 1 && !strings.EqualFold(subtags[i], "x") {
		i++
		n := 0
		for i < len(subtags) && len(subtags[i]) >= 2 {
			i++
			n++
		}
		if n == 0 {
			return false
		}
	}
	if i < len(subtags) && strings.EqualFold(subtags[i], "x") {
		return validPrivateUse(subtags[i+1:])
	}
	return i == len(subtags)
}

// validPrivateUse checks the subtags after "x": privateuse = "x" 1*("-" (1*8alphanum)).
// Length and characters were checked by the caller.
func validPrivateUse(subtags []string) bool { return len(subtags) > 0 }

func isRegion(s string) bool {
	return len(s) == 2 && isAlpha(s) || len(s) == 3 && allDigits(s)
}

// isVariant: variant = 5*8alphanum / (DIGIT 3alphanum).
func isVariant(s string) bool {
	return len(s) >= 5 || len(s) == 4 && '0' <= s[0] && s[0] <= '9'
}

func isAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

func isAlphanumeric(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9') && !isAlpha(s[i:i+1]) {
			return false
		}
	}
	return true
}

// isIrregularLanguageTag reports the grandfathered tags that do not fit the Language-Tag rule
// (RFC 5646 §2.1 "irregular"); the "regular" grandfathered ones do fit it. lower is lower-case.
func isIrregularLanguageTag(lower string) bool {
	switch lower {
	case "en-gb-oed", "i-ami", "i-bnn", "i-default", "i-enochian", "i-hak", "i-klingon",
		"i-lux", "i-mingo", "i-navajo", "i-pwn", "i-tao", "i-tay", "i-tsu", "sgn-be-fr",
		"sgn-be-nl", "sgn-ch-de":
		return true
	}
	return false
}
