package store

import "context"

// A background task is a goroutine the database owns: the duplicate scan, the statistics
// refresh, a warm-up. Each has its own stop (its context, cancelled by Close), and Close waits
// for every one to return before it stops the writer, since they write through it and read
// through the pools it closes.
type background struct {
	name   string
	cancel context.CancelFunc
	done   chan struct{}
}

// goBackground runs fn in its own goroutine with a context that Close cancels. A database that
// is closing starts nothing and goBackground returns false.
func (db *DB) goBackground(name string, fn func(ctx context.Context)) bool {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closing {
		return false
	}
	ctx, cancel := context.WithCancel(context.Background())
	b := &background{name: name, cancel: cancel, done: make(chan struct{})}
	db.tasks = append(db.tasks, b)
	go func() {
		defer close(b.done)
		fn(ctx)
	}()
	return true
}

// stopBackground cancels every background task and waits for them all. New ones are refused
// from then on.
func (db *DB) stopBackground() {
	db.mu.Lock()
	db.closing = true
	tasks := db.tasks
	db.tasks = nil
	db.mu.Unlock()
	for _, b := range tasks {
		b.cancel()
	}
	for _, b := range tasks {
		<-b.done
		db.logger.Debug("background task stopped", "task", b.name)
	}
}
