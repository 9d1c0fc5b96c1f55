package config

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with a configuration, tied to the key that holds it.
type Problem struct {
	// Key is the dotted path of the offending key, e.g. "http.public_url".
	Key string
	// Line is the line of the key in the YAML file, or 0 when the value did not come from it.
	Line int
	// Message says what is wrong and, where it helps, what is expected.
	Message string
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s (line %d): %s", p.Key, p.Line, p.Message)
	}
	return fmt.Sprintf("%s: %s", p.Key, p.Message)
}

// Problems is a list of configuration problems; as an error it prints one per line.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return "invalid configuration:\n  " + strings.Join(lines, "\n  ")
}
