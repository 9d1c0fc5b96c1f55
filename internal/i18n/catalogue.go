package i18n

import (
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// placeholder is the one kind of template action a message may hold: a data field.
var placeholder = regexp.MustCompile(`\{\{\s*\.([A-Za-z][A-Za-z0-9]*)\s*\}\}`)

// catalogue is one language's parsed message file.
type catalogue struct {
	name     string
	tag      language.Tag
	messages []*goi18n.Message
	entries  map[string]entry
}

// entry is what translating one message needs to know, worked out once at load.
type entry struct {
	// plain is the text of a message without placeholders or plural forms; set when isPlain.
	plain   string
	isPlain bool
	// fields are the placeholders the message uses in any form, sorted.
	fields []string
	// forms are the CLDR plural forms present ("one", "other", ...), sorted.
	forms []string
	// split is set when the message has one form and exactly one placeholder.
	split *Split
}

func (e entry) plural() bool { return len(e.forms) > 1 }

func readCatalogue(fsys fs.FS, p string) (*catalogue, error) {
	buf, err := fs.ReadFile(fsys, p)
	if err != nil {
		return nil, fmt.Errorf("i18n: reading %s: %w", p, err)
	}
	name := tagOf(p)
	tag, err := language.Parse(name)
	if err != nil || tag.String() != name {
		return nil, fmt.Errorf("i18n: %s: the file name is not a canonical BCP 47 tag", p)
	}
	mf, err := goi18n.ParseMessageFileBytes(buf, p, nil)
	if err != nil {
		return nil, fmt.Errorf("i18n: parsing %s: %w", p, err)
	}
	c := &catalogue{name: name, tag: tag, messages: mf.Messages, entries: make(map[string]entry, len(mf.Messages))}
	for _, m := range mf.Messages {
		e, err := newEntry(m)
		if err != nil {
			return nil, fmt.Errorf("i18n: %s: message %q: %w", p, m.ID, err)
		}
		c.entries[m.ID] = e
	}
	return c, nil
}

func newEntry(m *goi18n.Message) (entry, error) {
	forms := map[string]string{"zero": m.Zero, "one": m.One, "two": m.Two, "few": m.Few, "many": m.Many, "other": m.Other}
	if m.Other == "" {
		return entry{}, fmt.Errorf("no %q text", "other")
	}
	if m.LeftDelim != "" || m.RightDelim != "" {
		return entry{}, fmt.Errorf("custom delimiters are not supported")
	}
	var e entry
	for form, text := range forms {
		if text == "" {
			continue
		}
		e.forms = append(e.forms, form)
		matches := placeholder.FindAllStringSubmatch(text, -1)
		if strings.Contains(placeholder.ReplaceAllString(text, ""), "{{") {
			return entry{}, fmt.Errorf("%s form: only {{.Name}} placeholders are allowed", form)
		}
		for _, match := range matches {
			if !slices.Contains(e.fields, match[1]) {
				e.fields = append(e.fields, match[1])
			}
		}
	}
	slices.Sort(e.forms)
	slices.Sort(e.fields)
	if !e.plural() && len(e.fields) == 0 {
		e.plain, e.isPlain = m.Other, true
	}
	if loc := placeholder.FindAllStringIndex(m.Other, -1); !e.plural() && len(loc) == 1 {
		e.split = &Split{Before: m.Other[:loc[0][0]], After: m.Other[loc[0][1]:]}
	}
	return e, nil
}

// checkAgainst verifies that a translation says what the source says: the same ids, the same
// placeholders (a translation that drops {{.Count}} from every form would hide the number),
// and at least the source's plural forms.
func (c *catalogue) checkAgainst(source *catalogue) error {
	for id, want := range source.entries {
		got, ok := c.entries[id]
		if !ok {
			return fmt.Errorf("i18n: %s has no translation of %q", c.name, id)
		}
		if !slices.Equal(got.fields, want.fields) {
			return fmt.Errorf("i18n: %s %q has placeholders %v, the source %v", c.name, id, got.fields, want.fields)
		}
		for _, form := range want.forms {
			if !slices.Contains(got.forms, form) {
				return fmt.Errorf("i18n: %s %q lacks the plural form %q", c.name, id, form)
			}
		}
		if want.plural() != got.plural() {
			return fmt.Errorf("i18n: %s %q is plural in one language only", c.name, id)
		}
	}
	for id := range c.entries {
		if _, ok := source.entries[id]; !ok {
			return fmt.Errorf("i18n: %s has %q, which the source %s does not", c.name, id, Source)
		}
	}
	return nil
}
