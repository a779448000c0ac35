package jobkit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// SignalError is the cause of a job's context cancelled by a signal.
type SignalError struct{ Signal os.Signal }

func (e *SignalError) Error() string {
	switch e.Signal {
	case syscall.SIGTERM:
		return "received SIGTERM"
	case os.Interrupt:
		return "received SIGINT"
	}
	return "received " + e.Signal.String()
}

// SignalContext returns a context cancelled on SIGINT or SIGTERM, with a
// [*SignalError] naming the signal as its cause ([context.Cause]). stop
// releases the signal handler.
func SignalContext(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		if sig, ok := <-ch; ok {
			cancel(&SignalError{Signal: sig})
		}
	}()
	return ctx, func() { signal.Stop(ch); close(ch); cancel(nil) }
}

// ExitContext is [Exit] for a job run under a [SignalContext]: when a
// signal stopped the run, the message names it unless it does already.
func ExitContext(ctx context.Context, name string, err error, stderr io.Writer) int {
	var sig *SignalError
	if err != nil && errors.As(context.Cause(ctx), &sig) && !errors.As(err, new(*SignalError)) && !strings.Contains(err.Error(), sig.Error()) {
		err = fmt.Errorf("%w (%v)", err, sig)
	}
	return Exit(name, err, stderr)
}
