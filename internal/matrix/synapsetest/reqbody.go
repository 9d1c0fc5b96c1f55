package synapsetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"
)

// maxBodyBytes bounds request bodies; Synapse answers 413 M_TOO_LARGE past its own limit.
const maxBodyBytes = 1 << 20

// kind is a Pydantic strict type: no coercion, so "yes" is not a bool and 1 is not a string.
type kind int

const (
	strictStr kind = iota
	strictBool
	strictStrList // list[StrictStr] or set[StrictStr]: a JSON array of strings
)

// field is one field of a RequestBodyModel.
type field struct {
	name     string
	kind     kind
	required bool // no default: absent → "Field required"
	nullable bool // Optional[...]: null is accepted and means "not given"
}

// model is a RequestBodyModel (synapse/types/rest.py): extra="forbid", strict field types,
// plus pairs of keys that may not appear together (provision_user's model_validator, which
// tests key presence, so `"unset_displayname": false` next to set_displayname is refused).
type model struct {
	fields    []field
	exclusive [][2]string
}

// body is a validated request body; absent and null fields are missing from it.
type body map[string]json.RawMessage

func (b body) str(name string) (string, bool) {
	raw, ok := b[name]
	if !ok {
		return "", false
	}
	var s string
	_ = json.Unmarshal(raw, &s) // validated already
	return s, true
}

func (b body) boolean(name string) (value, given bool) {
	raw, ok := b[name]
	return ok && string(raw) == "true", ok
}

func (b body) strList(name string) ([]string, bool) {
	raw, ok := b[name]
	if !ok {
		return nil, false
	}
	var list []string
	_ = json.Unmarshal(raw, &list)
	return list, true
}

// readJSONObject is parse_json_object_from_request: the body must be UTF-8 JSON
// (else 400 M_NOT_JSON) holding an object (else 400 M_BAD_JSON).
func readJSONObject(r *http.Request) (map[string]json.RawMessage, *apiError) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return nil, newError(http.StatusBadRequest, codeNotJSON, "Content not JSON.")
	}
	if len(raw) > maxBodyBytes {
		return nil, newError(http.StatusRequestEntityTooLarge, codeTooLarge, "Request content is too large")
	}
	if !utf8.Valid(raw) || !json.Valid(raw) {
		return nil, newError(http.StatusBadRequest, codeNotJSON, "Content not JSON.")
	}
	var object map[string]json.RawMessage
	if err := json.Unmarshal(raw, &object); err != nil || object == nil {
		return nil, newError(http.StatusBadRequest, codeBadJSON, "Content must be a JSON object.")
	}
	return object, nil
}

// decode is parse_and_validate_json_object_from_request: a validation failure is
// 400 M_BAD_JSON, like Synapse turning a Pydantic ValidationError into a SynapseError.
func decode(r *http.Request, m model) (body, *apiError) {
	object, apiErr := readJSONObject(r)
	if apiErr != nil {
		return nil, apiErr
	}
	if err := m.validate(object); err != nil {
		return nil, newError(http.StatusBadRequest, codeBadJSON, err.Error())
	}
	out := body{}
	for name, raw := range object {
		if !isNull(raw) {
			out[name] = raw
		}
	}
	return out, nil
}

func (m model) validate(object map[string]json.RawMessage) error {
	for _, pair := range m.exclusive {
		_, first := object[pair[0]]
		_, second := object[pair[1]]
		if first && second {
			return fmt.Errorf("Value error, Cannot specify both %s and %s", pair[0], pair[1])
		}
	}
	var problems []string
	for name := range object {
		if !slices.ContainsFunc(m.fields, func(f field) bool { return f.name == name }) {
			problems = append(problems, name+": Extra inputs are not permitted")
		}
	}
	for _, f := range m.fields {
		raw, present := object[f.name]
		switch {
		case !present && f.required:
			problems = append(problems, f.name+": Field required")
		case !present:
		case isNull(raw) && f.nullable:
		case !f.kind.accepts(raw):
			problems = append(problems, f.name+": "+f.kind.expectation())
		}
	}
	if len(problems) == 0 {
		return nil
	}
	slices.Sort(problems)
	return errors.New(strings.Join(problems, "; "))
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

func (k kind) accepts(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	switch k {
	case strictStr:
		return len(raw) > 0 && raw[0] == '"'
	case strictBool:
		return string(raw) == "true" || string(raw) == "false"
	case strictStrList:
		var items []json.RawMessage
		if len(raw) == 0 || raw[0] != '[' || json.Unmarshal(raw, &items) != nil {
			return false
		}
		return !slices.ContainsFunc(items, func(item json.RawMessage) bool { return !strictStr.accepts(item) })
	}
	return false
}

func (k kind) expectation() string {
	switch k {
	case strictBool:
		return "Input should be a valid boolean"
	case strictStrList:
		return "Input should be a valid list of strings"
	}
	return "Input should be a valid string"
}
