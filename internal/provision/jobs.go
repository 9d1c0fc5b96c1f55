package provision

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Job kinds. Each job names one user; the queue keeps at most one job per kind and user.
const (
	// KindProvisionUser creates or updates the user on the homeserver (display name, lock),
	// or deactivates them there once they are deactivated here.
	KindProvisionUser = "matrix.provision_user"
	// KindSyncDevices makes the homeserver's device list of the user equal to the devices of
	// their active sessions: ended sessions' devices are deleted.
	KindSyncDevices = "matrix.sync_devices"
	// KindCrossSigningReset passes the user's approval of a cross-signing reset on
	// (MSC4191 org.matrix.cross_signing_reset; Synapse's allow_cross_signing_reset).
	KindCrossSigningReset = "matrix.allow_cross_signing_reset"
)

// payload is the body of every job: the user it is about.
type payload struct {
	UserID string `json:"user_id"`
}

func jobKey(kind, userID string) string { return kind + ":" + userID }

func encodePayload(userID string) string {
	b, _ := json.Marshal(payload{UserID: userID}) // a struct of one string cannot fail
	return string(b)
}

func decodePayload(s string) (payload, error) {
	var p payload
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		return payload{}, fmt.Errorf("provision: job payload: %w", err)
	}
	if p.UserID == "" {
		return payload{}, errors.New("provision: job payload names no user")
	}
	return p, nil
}

// Backoff bounds: a failed job runs again after 2^attempts seconds, at most maxBackoff later.
const (
	maxBackoff = 10 * time.Minute
	// maxPermanentAttempts is how often a job whose call the homeserver refused (a 4xx other
	// than 429) is tried before it is dropped with an error in the log: such a refusal will not
	// heal by itself, but an operator fixing the homeserver's configuration may make it pass.
	maxPermanentAttempts = 8
)

// backoff returns the delay before the next run of a job that failed on attempt n (1-based).
func backoff(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	if n > 10 {
		return maxBackoff
	}
	return min(time.Duration(1<<n)*time.Second, maxBackoff)
}
