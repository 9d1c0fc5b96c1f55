package oauth2

import (
	"fmt"
	"net/url"
)

// Params holds the single value of each request parameter an endpoint reads. A parameter that
// is absent, or present only with empty values, is missing from the map, so p["state"] is ""
// for both (RFC 6749 §3.1).
type Params map[string]string

// SingleValues picks the named parameters out of a query or form body, enforcing RFC 6749
// §3.1: "Request and response parameters MUST NOT be included more than once", and
// "Parameters sent without a value MUST be treated as if they were omitted from the request".
// So empty values are dropped first, and a name left with two or more values — equal or not —
// is an invalid_request naming the parameter: two components must never be able to read two
// different values of one request. Parameters not named are not looked at, since the server
// "MUST ignore unrecognized request parameters" (RFC 6749 §3.1).
//
// When several names are repeated, the error names the first in the order given, so the
// answer does not depend on map order.
func SingleValues(v url.Values, names ...string) (Params, error) {
	p := make(Params, len(names))
	for _, name := range names {
		value, count := "", 0
		for _, candidate := range v[name] {
			if candidate != "" {
				value = candidate
				count++
			}
		}
		switch {
		case count > 1:
			return nil, InvalidRequest(fmt.Sprintf("the parameter '%s' is included more than once", abbreviate(name)))
		case count == 1:
			p[name] = value
		}
	}
	return p, nil
}

// Require returns invalid_request naming the first of names that p lacks (RFC 6749 §4.1.2.1,
// §5.2: "The request is missing a required parameter").
func (p Params) Require(names ...string) error {
	for _, name := range names {
		if p[name] == "" {
			return InvalidRequest(fmt.Sprintf("the parameter '%s' is missing", abbreviate(name)))
		}
	}
	return nil
}
