package account

import (
	"sort"
	"strconv"
	"strings"
)

// preferredLanguages parses Accept-Language (RFC 9110 §12.5.4) into tags ordered by quality,
// highest first; "*" and q=0 entries are dropped. At most 10 entries are read.
func preferredLanguages(header string) []string {
	type lang struct {
		tag string
		q   float64
		pos int
	}
	var langs []lang
	for i, part := range strings.Split(header, ",") {
		if i == 10 {
			break
		}
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		tag = strings.TrimSpace(tag)
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if tag == "" || tag == "*" || q <= 0 {
			continue
		}
		langs = append(langs, lang{tag, q, i})
	}
	sort.SliceStable(langs, func(a, b int) bool { return langs[a].q > langs[b].q })
	out := make([]string, len(langs))
	for i, l := range langs {
		out[i] = l.tag
	}
	return out
}
