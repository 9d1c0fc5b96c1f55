package template

import (
	"fmt"
	htmltemplate "html/template"

	"github.com/mxauth/mxauth/internal/i18n"
)

// funcs are the template functions of one language's page set. Every function that
// translates fails on an unknown id or missing data, so Render fails (and tests catch it)
// rather than showing a page with a hole.
//
//	{{t "LoginTitle"}}                          a message
//	{{t "ErrorStatus" "Status" .Status}}        with data, as name/value pairs
//	{{tm .Error}}                               an i18n.Message from the handler
//	{{with tsplit "SignedInAs"}}{{.Before}}<strong>…</strong>{{.After}}{{end}}
func (r *Renderer) funcs(lang i18n.Language) htmltemplate.FuncMap {
	return htmltemplate.FuncMap{
		"lang": lang.Tag,
		"t": func(id string, pairs ...any) (string, error) {
			m, err := messageOf(id, pairs)
			if err != nil {
				return "", err
			}
			return lang.Text(m)
		},
		"tm":             lang.Text,
		"tsplit":         lang.Split,
		"stylesheetPath": r.StylesheetPath,
		"registerScript": r.RegisterScriptPath,
		"heading": func(p ErrorPage) (string, error) {
			if !p.Heading.IsZero() {
				return lang.Text(p.Heading)
			}
			return lang.Text(headingMessage(p.Status))
		},
		"clientName": func(c ClientView) (string, error) {
			if name := c.DisplayName(); name != "" {
				return name, nil
			}
			return lang.Text(i18n.Message{ID: "ClientUnnamed"})
		},
	}
}

// messageOf builds a Message from an id and name/value pairs.
func messageOf(id string, pairs []any) (i18n.Message, error) {
	if len(pairs) == 0 {
		return i18n.Message{ID: id}, nil
	}
	if len(pairs)%2 != 0 {
		return i18n.Message{}, fmt.Errorf("template: t %q: data must be name/value pairs", id)
	}
	data := make(map[string]any, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		name, ok := pairs[i].(string)
		if !ok {
			return i18n.Message{}, fmt.Errorf("template: t %q: data name %v is not a string", id, pairs[i])
		}
		data[name] = pairs[i+1]
	}
	return i18n.Message{ID: id, Data: data}, nil
}
