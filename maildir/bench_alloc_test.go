package maildir_test

import "runtime"

type runtimeAllocs struct{ mallocs uint64 }

func (a *runtimeAllocs) read() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	a.mallocs = ms.Mallocs
}
