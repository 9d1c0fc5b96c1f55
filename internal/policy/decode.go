package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/mxauth/mxauth/internal/oauth2"
)

// member is one top-level key of the registration body with its still-encoded value.
type member struct {
	key   string
	value json.RawMessage
}

// decodeObject splits body into the members of one JSON object. It refuses what
// encoding/json would otherwise let through quietly: invalid UTF-8 (which Unmarshal replaces
// with U+FFFD), a repeated key (which Unmarshal resolves as "last one wins", so a reviewer and
// the server could read different metadata; RFC 8259 §4 leaves the meaning undefined), and
// anything after the object.
func decodeObject(body []byte) ([]member, *oauth2.Error) {
	if len(body) > MaxBodyBytes {
		return nil, metadataError("the request body is larger than %d bytes", MaxBodyBytes)
	}
	if !utf8.Valid(body) {
		return nil, metadataError("the request body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if err != nil {
		return nil, invalidJSON(err)
	}
	if delim, ok := tok.(json.Delim); !ok || delim != '{' {
		return nil, metadataError("the request body must be a JSON object")
	}
	var members []member
	seen := make(map[string]bool)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, invalidJSON(err)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, metadataError("the request body is not valid JSON")
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, invalidJSON(err)
		}
		if seen[key] {
			return nil, metadataError("the key %q appears more than once", quoteField(key))
		}
		seen[key] = true
		members = append(members, member{key: key, value: value})
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, invalidJSON(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, metadataError("the request body has data after the JSON object")
	}
	return members, nil
}

func invalidJSON(err error) *oauth2.Error {
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return metadataError("the request body is not valid JSON: %s", syntax.Error())
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return metadataError("the request body is not valid JSON: it ends too early")
	}
	return metadataError("the request body is not valid JSON")
}

// stringValue decodes a string-valued field. JSON null counts as absent, as RFC 7591 gives
// null no other meaning; every other non-string is an error.
func stringValue(field string, raw json.RawMessage) (string, *oauth2.Error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", metadataError("%s: %s", quoteField(field), err.Error())
	}
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		if len(v) > MaxStringLength {
			return "", metadataError("%s: longer than %d bytes", quoteField(field), MaxStringLength)
		}
		return v, nil
	default:
		return "", metadataError("%s: must be a string, not %s", quoteField(field), jsonTypeName(v))
	}
}

// stringArrayValue decodes an array of strings of at most maxItems entries; set reports
// whether the field was given at all (null counts as absent).
func stringArrayValue(field string, raw json.RawMessage, maxItems int) (values []string, set bool, e *oauth2.Error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, false, metadataError("%s: %s", quoteField(field), err.Error())
	}
	if v == nil {
		return nil, false, nil
	}
	items, ok := v.([]any)
	if !ok {
		return nil, false, metadataError("%s: must be an array of strings, not %s", quoteField(field), jsonTypeName(v))
	}
	if len(items) > maxItems {
		return nil, false, metadataError("%s: more than %d entries", quoteField(field), maxItems)
	}
	values = make([]string, 0, len(items))
	for i, item := range items {
		s, ok := item.(string)
		if !ok {
			return nil, false, metadataError("%s[%d]: must be a string, not %s", quoteField(field), i, jsonTypeName(item))
		}
		if len(s) > MaxStringLength {
			return nil, false, metadataError("%s[%d]: longer than %d bytes", quoteField(field), i, MaxStringLength)
		}
		values = append(values, s)
	}
	return values, true, nil
}

func jsonTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	default:
		return "an object"
	}
}

func metadataError(format string, args ...any) *oauth2.Error {
	return oauth2.InvalidClientMetadata(fmt.Sprintf(format, args...))
}

func redirectError(format string, args ...any) *oauth2.Error {
	return oauth2.InvalidRedirectURI(fmt.Sprintf(format, args...))
}

// quoteField shortens an untrusted key or value for an error description, so that a 2 KiB
// URI or a huge unknown key does not end up whole in the response and the logs.
func quoteField(s string) string {
	const max = 100
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return s
}
