// Copyright 2026 The leakprof Authors.

// Command blocker parks goroutines in every blocking class leakprof knows, in
// known numbers at known lines, and serves /debug/pprof/ so tests can read
// real goroutine profiles of it.
//
// It prints "listening on HOST:PORT", starts the goroutines, prints "ready"
// and runs until killed. Each class blocks in its own top-level function, on
// the line marked "// SITE:<class>", with a distinct number of goroutines
// (counts below). Goroutines may still be on their way to that line when
// "ready" prints: poll the profile until the counts match.
//
// With -leak-per-second N > 0 it also leaks N goroutines a second at the line
// marked "// SITE:leak" (a send whose receiver timed out and returned).
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"sync"
	"time"
)

// Goroutines per class; tests/goprof/real_profiles_test.cc has the same table.
const (
	nChanSend       = 3
	nChanReceive    = 4
	nSelect         = 5
	nSelectNoCases  = 6
	nNilChanSend    = 7
	nNilChanReceive = 8
	nMutex          = 9
	nRWMutex        = 10
	nCondWait       = 11
	nWaitGroup      = 12
	nSleep          = 13
	nIOWait         = 14
)

// The blocking functions are noinline so each stays a frame of its own name
// whatever the compiler does with the go statements.

//go:noinline
func blockChanSend(ch chan int) {
	ch <- 1 // SITE:chan_send
}

//go:noinline
func blockChanReceive(ch chan int) {
	<-ch // SITE:chan_receive
}

//go:noinline
func blockSelect(a, b chan int) {
	select { // SITE:select
	case <-a:
	case b <- 1:
	}
}

//go:noinline
func blockSelectNoCases() {
	select {} // SITE:select_no_cases
}

//go:noinline
func blockNilChanSend(ch chan int) {
	ch <- 1 // SITE:nil_chan_send
}

//go:noinline
func blockNilChanReceive(ch chan int) {
	<-ch // SITE:nil_chan_receive
}

//go:noinline
func blockMutex(mu *sync.Mutex) {
	mu.Lock() // SITE:mutex
}

//go:noinline
func blockRWMutex(rw *sync.RWMutex) {
	rw.RLock() // SITE:rwmutex
}

//go:noinline
func blockCondWait(c *sync.Cond) {
	c.L.Lock()
	for {
		c.Wait() // SITE:cond_wait
	}
}

//go:noinline
func blockWaitGroup(wg *sync.WaitGroup) {
	wg.Wait() // SITE:waitgroup
}

//go:noinline
func blockSleep() {
	for {
		time.Sleep(time.Hour) // SITE:sleep
	}
}

//go:noinline
func blockIOWait(c net.Conn) {
	buf := make([]byte, 1)
	c.Read(buf) // SITE:io_wait
}

// leakyHandler is the classic timeout leak: it sends its result on an
// unbuffered channel whose only receiver (serveWithTimeout) gave up and
// returned, so the send blocks forever.
//
//go:noinline
func leakyHandler(result chan int) {
	time.Sleep(20 * time.Millisecond) // slow work
	result <- 42                      // SITE:leak
}

func serveWithTimeout() {
	result := make(chan int)
	go leakyHandler(result)
	select {
	case <-result:
	case <-time.After(5 * time.Millisecond):
	}
}

// Keeps everything the blocked goroutines wait on reachable (a closed-over
// net.Conn that became garbage would be closed by its finalizer).
var held struct {
	unbuffered       chan int
	selectA, selectB chan int
	mu               sync.Mutex
	rw               sync.RWMutex
	cond             *sync.Cond
	wg               sync.WaitGroup
	conns            []net.Conn
}

func startN(n int, f func()) {
	for i := 0; i < n; i++ {
		go f()
	}
}

// startIOWait connects n clients to a listener of its own that never writes;
// a goroutine per client waits to read.
func startIOWait(n int) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close() // accepted connections stay open
	for i := 0; i < n; i++ {
		client, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			return err
		}
		server, err := ln.Accept()
		if err != nil {
			return err
		}
		held.conns = append(held.conns, client, server)
		go blockIOWait(client)
	}
	return nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to serve /debug/pprof/ on")
	leakPerSecond := flag.Int("leak-per-second", 0, "goroutines to leak per second at SITE:leak")
	flag.Parse()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "blocker:", err)
		os.Exit(1)
	}
	// os.Stdout is unbuffered: each Println is one write.
	fmt.Println("listening on", ln.Addr().String())

	held.unbuffered = make(chan int)
	held.selectA, held.selectB = make(chan int), make(chan int)
	held.mu.Lock()
	held.rw.Lock()
	held.cond = sync.NewCond(&sync.Mutex{})
	held.wg.Add(1)

	// The same unbuffered channel for senders and receivers would pair them
	// off; these use two.
	sendCh, recvCh := held.unbuffered, make(chan int)
	startN(nChanSend, func() { blockChanSend(sendCh) })
	startN(nChanReceive, func() { blockChanReceive(recvCh) })
	startN(nSelect, func() { blockSelect(held.selectA, held.selectB) })
	startN(nSelectNoCases, blockSelectNoCases)
	startN(nNilChanSend, func() { blockNilChanSend(nil) })
	startN(nNilChanReceive, func() { blockNilChanReceive(nil) })
	startN(nMutex, func() { blockMutex(&held.mu) })
	startN(nRWMutex, func() { blockRWMutex(&held.rw) })
	startN(nCondWait, func() { blockCondWait(held.cond) })
	startN(nWaitGroup, func() { blockWaitGroup(&held.wg) })
	startN(nSleep, blockSleep)
	if err := startIOWait(nIOWait); err != nil {
		fmt.Fprintln(os.Stderr, "blocker:", err)
		os.Exit(1)
	}

	if *leakPerSecond > 0 {
		go func() {
			for range time.Tick(time.Second) {
				startN(*leakPerSecond, serveWithTimeout)
			}
		}()
	}

	fmt.Println("ready")
	// Serving from main adds no goroutine of its own.
	err = http.Serve(ln, nil)
	fmt.Fprintln(os.Stderr, "blocker:", err)
	os.Exit(1)
}
