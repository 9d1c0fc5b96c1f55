package config

import (
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestEveryKeyIsDocumented keeps docs/configuration.md current: every key of the
// configuration file must appear in it, each part of its dotted path in a code span.
func TestEveryKeyIsDocumented(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	// Fenced blocks would pair their backticks with the spans'.
	text := regexp.MustCompile("(?s)```.*?```").ReplaceAllString(string(doc), "")
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("`([^`\n]+)`").FindAllStringSubmatch(text, -1) {
		for _, part := range regexp.MustCompile(`[a-z_0-9]+`).FindAllString(m[1], -1) {
			documented[part] = true
		}
	}
	var missing []string
	for _, key := range leafKeys(reflect.TypeFor[Config](), "") {
		for _, part := range strings.Split(key, ".") {
			if !documented[part] {
				missing = append(missing, key)
				break
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("keys missing from docs/configuration.md: %v", missing)
	}
}

// leafKeys lists the dotted YAML paths of t's fields that hold values (lists of structs
// contribute their item's keys).
func leafKeys(t reflect.Type, prefix string) []string {
	var out []string
	for name, ft := range yamlFields(t) {
		key := join(prefix, name)
		for ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft != reflect.TypeFor[time.Time]() {
			out = append(out, leafKeys(ft, key)...)
			continue
		}
		out = append(out, key)
	}
	return out
}
