package doctor

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// labels are the fixed-width status tags of the text report.
var labels = map[Status]string{
	StatusOK:   "[ ok ]",
	StatusWarn: "[WARN]",
	StatusFail: "[FAIL]",
	StatusSkip: "[skip]",
}

// fixIndent lines the fix up under the check's name.
const fixIndent = "       "

// WriteText writes one line per result, "[FAIL] name: detail", with an indented "fix: ..."
// line under each result that has a fix. A fix identical to the one just printed (the three
// routing checks share theirs) is shortened to "as above".
func WriteText(w io.Writer, results []Result) error {
	var b strings.Builder
	lastFix := ""
	for _, r := range results {
		label, ok := labels[r.Status]
		if !ok {
			label = "[" + string(r.Status) + "]"
		}
		fmt.Fprintf(&b, "%s %s: %s\n", label, r.Name, oneLine(r.Detail))
		if r.Fix == "" {
			continue
		}
		fix := oneLine(r.Fix)
		if r.Fix == lastFix {
			fix = "as above"
		}
		fmt.Fprintf(&b, "%sfix: %s\n", fixIndent, fix)
		lastFix = r.Fix
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the results as a JSON array of {name, status, detail, fix}.
func WriteJSON(w io.Writer, results []Result) error {
	if results == nil {
		results = []Result{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // the fixes quote JSON and paths with < and >

	return enc.Encode(results)
}

// oneLine keeps a server-supplied string (an error, a header) from breaking the one line
// per check layout.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
}
