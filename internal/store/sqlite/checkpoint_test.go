package sqlite

import (
	"fmt"
	"os"
	"testing"
	"time"
)

// TestCheckpointerCopiesTheWAL: what is committed reaches the database file without any
// further write and without a commit checkpointing (the WAL stays far below the writer's own
// threshold), so the background checkpointer did it.
func TestCheckpointerCopiesTheWAL(t *testing.T) {
	t.Parallel()
	path := tempDBPath(t)
	s := openMigrated(t, path)
	ctx := t.Context()
	before := fileSize(t, path)
	// About 200 pages of new rows: 0.8 MB, well under walCheckpointPages.
	for i := range 200 {
		k := testKey(fmt.Sprint("slot-", i))
		k.KID = fmt.Sprint("kid-", i)
		k.Sealed = make([]byte, 3000)
		if _, err := s.Keys().CreateIfAbsent(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for fileSize(t, path) < before+200*3000 {
		if time.Now().After(deadline) {
			t.Fatalf("the database file is still %d bytes (was %d) after the writes", fileSize(t, path), before)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Everything is copied: a checkpoint now has nothing left to do.
	frames, copied, err := s.ckpt.checkpoint(ctx)
	if err != nil || frames != copied {
		t.Errorf("checkpoint: %d frames in the WAL, %d copied, %v", frames, copied, err)
	}
}

func TestMemoryStoreHasNoCheckpointer(t *testing.T) {
	t.Parallel()
	if s := openMigrated(t, MemoryPath); s.ckpt != nil {
		t.Error("an in-memory database has no WAL to checkpoint")
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
