package i18n

import (
	"errors"
	"fmt"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
)

// Message is a message id of the catalogues with its template data: what a handler hands to a
// page instead of English text, so the page can say it in the reader's language.
type Message struct {
	ID string
	// Data fills the message's placeholders ({{.Name}} is Data["Name"]). A plural message
	// picks its form by Data["Count"] (CLDR plural rules of the language).
	Data map[string]any
}

// IsZero reports whether m names no message.
func (m Message) IsZero() bool { return m.ID == "" }

// Split is a message with one placeholder cut around it: Before + value + After is the
// translation. A page puts markup around the value without letting the translation hold markup.
type Split struct {
	Before, After string
}

// Language translates messages into one supported language. Get one from Bundle.Match or
// Bundle.Language; the zero Language translates nothing and answers errors.
type Language struct {
	l *lang
}

type lang struct {
	name      string
	entries   map[string]entry
	localizer *goi18n.Localizer
}

var errNoLanguage = errors.New("i18n: the zero Language translates nothing")

// Tag is the language's BCP 47 tag ("en", "de"), for <html lang> and Content-Language.
func (l Language) Tag() string {
	if l.l == nil {
		return ""
	}
	return l.l.name
}

// Text translates m. It fails when the id is unknown, when Data lacks a placeholder's field,
// or when a plural message has no usable Count; pages turn that into a template error, so a
// typo in an id is caught by the first test that renders the page.
func (l Language) Text(m Message) (string, error) {
	if l.l == nil {
		return "", errNoLanguage
	}
	e, ok := l.l.entries[m.ID]
	if !ok {
		return "", fmt.Errorf("i18n: no message %q", m.ID)
	}
	if e.isPlain {
		// The common case: a fixed string, no template to run and nothing allocated.
		return e.plain, nil
	}
	for _, f := range e.fields {
		if _, ok := m.Data[f]; !ok {
			return "", fmt.Errorf("i18n: message %q needs the data field %q", m.ID, f)
		}
	}
	cfg := goi18n.LocalizeConfig{MessageID: m.ID, TemplateData: m.Data}
	if e.plural() {
		count, ok := m.Data["Count"]
		if !ok {
			return "", fmt.Errorf("i18n: plural message %q needs the data field Count", m.ID)
		}
		cfg.PluralCount = count
	}
	s, err := l.l.localizer.Localize(&cfg)
	if err != nil {
		return "", fmt.Errorf("i18n: %s %q: %w", l.l.name, m.ID, err)
	}
	return s, nil
}

// Split returns the translation of a message with exactly one placeholder, cut around it.
func (l Language) Split(id string) (Split, error) {
	if l.l == nil {
		return Split{}, errNoLanguage
	}
	e, ok := l.l.entries[id]
	if !ok {
		return Split{}, fmt.Errorf("i18n: no message %q", id)
	}
	if e.split == nil {
		return Split{}, fmt.Errorf("i18n: message %q does not have exactly one placeholder in one form", id)
	}
	return *e.split, nil
}
