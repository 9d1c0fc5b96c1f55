package policy

import "testing"

func TestValidLanguageTag(t *testing.T) {
	t.Parallel()
	valid := []string{
		"en", "fr", "EN", "en-GB", "en-gb", "zh-Hant-TW", "sr-Latn-RS", "de-CH-1901", "es-419",
		"zh-yue-HK", "hy-Latn-IT-arevela", "x-private", "x-a-b", "en-a-bbb-x-a-ccc", "en-US-u-ca-gregory",
		"i-klingon", "en-GB-oed", "sgn-BE-FR", "art-lojban", "english", "abcd", "de-DE-1996",
		"sl-rozaj-biske", "en-x-1",
	}
	invalid := []string{
		"", "e", "en_GB", "en-", "-en", "en--GB", "123", "en-GB-", "a-DE", "x", "en-x", "en-a",
		"en-US-u", "abcdefghi", "en-abcdefghi", "de-419-DE", "en-GB#x", "fr fr", "é", "en-GB-x-",
		"1en", "en-a-b", "zh-Hant-Hans",
	}
	for _, tag := range valid {
		if !validLanguageTag(tag) {
			t.Errorf("validLanguageTag(%q) = false; want true", tag)
		}
	}
	for _, tag := range invalid {
		if validLanguageTag(tag) {
			t.Errorf("validLanguageTag(%q) = true; want false", tag)
		}
	}
}
