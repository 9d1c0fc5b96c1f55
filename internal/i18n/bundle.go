package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed messages/*.json
var messageFiles embed.FS

// Source is the language the messages are written in first. Every other catalogue translates
// it, and it is the answer when a browser asks for nothing mxauth speaks.
const Source = "en"

// Bundle holds the loaded catalogues. It is read-only after New and safe for concurrent use.
type Bundle struct {
	languages []Language // Source first, then the translations by tag
	byTag     map[string]Language
	matcher   language.Matcher
	ids       []string
}

// New loads the embedded catalogues. It fails when one is broken (see the package
// documentation), which a test catches before release.
func New() (*Bundle, error) {
	return load(messageFiles, "messages")
}

// load reads every <tag>.json in dir of fsys; the tests feed it broken catalogues.
func load(fsys fs.FS, dir string) (*Bundle, error) {
	paths, err := fs.Glob(fsys, path.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("i18n: listing catalogues: %w", err)
	}
	catalogues := map[string]*catalogue{}
	for _, p := range paths {
		c, err := readCatalogue(fsys, p)
		if err != nil {
			return nil, err
		}
		if _, dup := catalogues[c.name]; dup {
			return nil, fmt.Errorf("i18n: two catalogues for %s", c.name)
		}
		catalogues[c.name] = c
	}
	source, ok := catalogues[Source]
	if !ok {
		return nil, fmt.Errorf("i18n: no catalogue for the source language %s in %s", Source, dir)
	}
	names := slices.Sorted(maps.Keys(catalogues))
	// The source first: x/text's matcher treats the first supported tag as the default.
	names = slices.DeleteFunc(names, func(n string) bool { return n == Source })
	names = slices.Insert(names, 0, Source)

	gb := goi18n.NewBundle(source.tag)
	b := &Bundle{byTag: map[string]Language{}, ids: slices.Sorted(maps.Keys(source.entries))}
	tags := make([]language.Tag, 0, len(names))
	for _, name := range names {
		c := catalogues[name]
		if err := c.checkAgainst(source); err != nil {
			return nil, err
		}
		if err := gb.AddMessages(c.tag, c.messages...); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", name, err)
		}
		l := Language{&lang{name: name, entries: c.entries, localizer: goi18n.NewLocalizer(gb, name)}}
		b.languages = append(b.languages, l)
		b.byTag[name] = l
		tags = append(tags, c.tag)
	}
	b.matcher = language.NewMatcher(tags)
	return b, nil
}

// Match picks the supported language that best serves an Accept-Language header (RFC 9110
// §12.5.4): the entries in order of their q-value, each matched with x/text's language
// distance, so "de-CH" gets German and "fr, de;q=0.5" too. A header naming nothing mxauth
// speaks, an empty one or a garbled one gets the source language.
func (b *Bundle) Match(acceptLanguage string) Language {
	prefs := Preferences(acceptLanguage)
	if len(prefs) == 0 {
		return b.languages[0]
	}
	_, i, confidence := b.matcher.Match(prefs...)
	if confidence == language.No || i < 0 || i >= len(b.languages) {
		return b.languages[0]
	}
	return b.languages[i]
}

// Language returns the supported language with exactly this tag ("en", "de").
func (b *Bundle) Language(tag string) (Language, bool) {
	l, ok := b.byTag[tag]
	return l, ok
}

// Languages returns the supported languages, the source first.
func (b *Bundle) Languages() []Language { return slices.Clone(b.languages) }

// Has reports whether id is a message of the catalogues.
func (b *Bundle) Has(id string) bool {
	_, ok := b.languages[0].l.entries[id]
	return ok
}

// IDs returns every message id, sorted.
func (b *Bundle) IDs() []string { return slices.Clone(b.ids) }

// tagOf names a catalogue file's language: "messages/de.json" is "de".
func tagOf(p string) string {
	return strings.TrimSuffix(path.Base(p), ".json")
}
