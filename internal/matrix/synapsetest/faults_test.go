package synapsetest_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/mxauth/mxauth/internal/matrix/synapsetest"
)

func TestFaults(t *testing.T) {
	t.Parallel()
	hs, _, _ := setup(t)
	hs.AddUser("alice")

	hs.InjectFault(synapsetest.Fault{Status: http.StatusInternalServerError})
	if status, answer := mas(t, hs, "query_user?localpart=alice", ""); status != 500 || errcode(answer) != "M_UNKNOWN" {
		t.Errorf("during the fault: %d %v", status, answer)
	}
	if status, _, _ := send(t, "GET", hs.URL()+"/_matrix/client/versions", "", ""); status != 200 {
		t.Errorf("a fault on the MAS API hit the client API: %d", status)
	}
	hs.ClearFaults()
	if status, _ := mas(t, hs, "query_user?localpart=alice", ""); status != 200 {
		t.Errorf("after ClearFaults: %d", status)
	}

	// On given paths only, for a number of calls.
	hs.InjectFault(synapsetest.Fault{Status: http.StatusTooManyRequests, Times: 2}, synapsetest.MASPath("upsert_device"))
	var got []int
	for range 3 {
		status, _ := mas(t, hs, "upsert_device", `{"localpart":"alice","device_id":"D"}`)
		got = append(got, status)
	}
	if got[0] != 429 || got[1] != 429 || got[2] != 201 {
		t.Errorf("statuses = %v, want [429 429 201]", got)
	}
	if status, _ := mas(t, hs, "query_user?localpart=alice", ""); status != 200 {
		t.Errorf("a path fault hit another path: %d", status)
	}
	if calls := hs.CallsTo(synapsetest.MASPath("upsert_device")); len(calls) != 3 || calls[0].Status != 429 {
		t.Errorf("call log = %+v", calls)
	}
}

func TestHangFault(t *testing.T) {
	t.Parallel()
	hs, _, _ := setup(t)
	hs.InjectFault(synapsetest.Fault{Hang: true})

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", hs.URL()+"/_synapse/mas/query_user?localpart=a", nil)
	if _, err := http.DefaultClient.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("hung request error = %v, want a deadline", err)
	}

	// ClearFaults frees a hanging request with a 503.
	done := make(chan int)
	go func() {
		resp, err := http.Get(hs.URL() + "/_synapse/mas/query_user?localpart=a")
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	// Wait for the timed-out call to leave its hang (the server notices the client went
	// away) and for the new one to reach it.
	deadline := time.Now().Add(5 * time.Second)
	for (len(hs.CallsTo(synapsetest.MASPath("query_user"))) == 0 || hs.Hanging() != 1) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	hs.ClearFaults()
	if status := <-done; status != http.StatusServiceUnavailable {
		t.Errorf("released request = %d, want 503", status)
	}
	if calls := hs.CallsTo(synapsetest.MASPath("query_user")); len(calls) != 2 || calls[0].Status != 0 {
		t.Errorf("call log = %+v, want the timed-out call with status 0", calls)
	}
}
