package policy

import (
	"strings"
	"testing"
)

func TestValidateUsername(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ok   bool
	}{
		{"alice", true},
		{"a.b_c=d-e/f+g", true},
		{"user1", true},
		{"", false},
		{"12345", false},
		{"Alice", false},
		{"al ice", false},
		{"alice:x", false},
		{"élodie", false},
		{strings.Repeat("a", 240), true},
		{strings.Repeat("a", 250), false}, // @ + 250 + :example.org > 255
	}
	for _, tt := range tests {
		if err := ValidateUsername(tt.name, "example.org"); (err == nil) != tt.ok {
			t.Errorf("%q: err = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}
