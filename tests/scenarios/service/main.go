// Copyright 2026 The leakprof Authors.

// Command service is a Go service with goroutine leaks and benign goroutine
// patterns to order, for leakprof's scenario tests and the demo fleet. It
// serves net/http/pprof, prints "listening on HOST:PORT", starts the
// patterns, prints "ready" and runs until killed.
//
//	service -addr 127.0.0.1:0 \
//	  -patterns premature_return,ncast,range_unclosed,ticker_no_stop,nil_chan,cond_wait,waitgroup,mutex \
//	  -benign pool,bursty,accept,read_loop,stopped_ticker,sleepers,big_pool \
//	  -leak-per-minute 6
//
// Each leak pattern leaks at -leak-per-minute events a minute (ncast leaks
// 2 goroutines an event, the others 1) in its own function; the blocking
// line is marked "// LEAK:<pattern>". Benign patterns keep a bounded number
// of goroutines blocked at lines marked "// BENIGN:<name>". -leak-for D
// stops leaking after D (leaked goroutines stay blocked).
package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"strings"
	"sync"
	"time"
)

// ---- leaks ----------------------------------------------------------------

// premature_return: the parent times out and returns; the child's send on an
// unbuffered channel never completes.
//
//go:noinline
func prematureReturn() {
	ch := make(chan int)
	go func() {
		time.Sleep(5 * time.Millisecond)
		ch <- 42 // LEAK:premature_return
	}()
	select {
	case v := <-ch:
		_ = v
	case <-time.After(time.Millisecond):
		return
	}
}

//go:noinline
func ncastSender(ch chan int, i int) {
	ch <- i // LEAK:ncast
}

// ncast: three senders, one receive.
//
//go:noinline
func ncast() {
	ch := make(chan int)
	for i := 0; i < 3; i++ {
		go ncastSender(ch, i)
	}
	<-ch
}

//go:noinline
func rangeUnclosed(ch chan int) {
	for v := range ch { // LEAK:range_unclosed
		_ = v
	}
}

// range_unclosed: the producer sends and returns without close(ch).
//
//go:noinline
func startRangeUnclosed() {
	ch := make(chan int)
	go rangeUnclosed(ch)
	ch <- 1
}

//go:noinline
func tickerNoStop() {
	t := time.NewTicker(time.Hour)
	for range t.C { // LEAK:ticker_no_stop
	}
}

//go:noinline
func nilChan() {
	var ch chan int
	ch <- 1 // LEAK:nil_chan
}

var leakCond = sync.NewCond(&sync.Mutex{})

//go:noinline
func condWait() {
	leakCond.L.Lock()
	leakCond.Wait() // LEAK:cond_wait
	leakCond.L.Unlock()
}

//go:noinline
func waitgroupLeak() {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { wg.Done() }()
	wg.Wait() // LEAK:waitgroup
}

var stuckMutex sync.Mutex

//go:noinline
func mutexLeak() {
	stuckMutex.Lock() // LEAK:mutex
	stuckMutex.Unlock()
}

var leaks = map[string]func(){
	"premature_return": prematureReturn,
	"ncast":            func() { go ncast() },
	"range_unclosed":   startRangeUnclosed,
	"ticker_no_stop":   func() { go tickerNoStop() },
	"nil_chan":         func() { go nilChan() },
	"cond_wait":        func() { go condWait() },
	"waitgroup":        func() { go waitgroupLeak() },
	"mutex":            func() { go mutexLeak() },
}

// ---- benign ---------------------------------------------------------------

//go:noinline
func poolWorker(jobs chan int) {
	for j := range jobs { // BENIGN:pool
		time.Sleep(time.Duration(j) * time.Millisecond)
	}
}

func startPool(n int, feed bool, worker func(chan int)) {
	jobs := make(chan int)
	for i := 0; i < n; i++ {
		go worker(jobs)
	}
	if feed {
		go func() {
			for {
				jobs <- rand.Intn(20)
				time.Sleep(time.Duration(10+rand.Intn(40)) * time.Millisecond)
			}
		}()
	}
}

//go:noinline
func bigPoolWorker(jobs chan int) {
	for j := range jobs { // BENIGN:big_pool
		_ = j
	}
}

//go:noinline
func burstyWorker(done chan struct{}, d time.Duration) {
	select { // BENIGN:bursty
	case <-done:
	case <-time.After(d):
	}
}

// bursty: every few seconds a burst of requests that all drain.
func startBursty() {
	go func() {
		for {
			done := make(chan struct{})
			n := 20 + rand.Intn(30)
			for i := 0; i < n; i++ {
				go burstyWorker(done, time.Duration(500+rand.Intn(1500))*time.Millisecond)
			}
			time.Sleep(time.Duration(1+rand.Intn(2)) * time.Second)
			close(done)
			time.Sleep(time.Duration(2+rand.Intn(4)) * time.Second)
		}
	}()
}

//go:noinline
func acceptLoop(ln net.Listener) {
	for {
		c, err := ln.Accept() // BENIGN:accept
		if err != nil {
			return
		}
		go readLoop(c)
	}
}

//go:noinline
func readLoop(c net.Conn) {
	buf := make([]byte, 512)
	for {
		if _, err := c.Read(buf); err != nil { // BENIGN:read_loop
			c.Close()
			return
		}
	}
}

func startAccept(withClients bool) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "service:", err)
		return
	}
	go acceptLoop(ln)
	if withClients {
		for i := 0; i < 5; i++ {
			c, err := net.Dial("tcp", ln.Addr().String())
			if err == nil {
				go func(c net.Conn) { // keep the client side open, idle
					io.Copy(io.Discard, c)
				}(c)
			}
		}
	}
}

//go:noinline
func stoppedTickerLoop(stop chan struct{}) {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select { // BENIGN:stopped_ticker
		case <-t.C:
		case <-stop:
			return
		}
	}
}

// stopped_ticker: short-lived ticker loops, each stopped after a while;
// at most 3 run at once.
func startStoppedTickers() {
	go func() {
		for {
			stop := make(chan struct{})
			for i := 0; i < 3; i++ {
				go stoppedTickerLoop(stop)
			}
			time.Sleep(time.Duration(1+rand.Intn(3)) * time.Second)
			close(stop)
		}
	}()
}

//go:noinline
func sleeper() {
	for {
		time.Sleep(time.Duration(100+rand.Intn(900)) * time.Millisecond) // BENIGN:sleepers
	}
}

var benign = map[string]func(){
	"pool":           func() { startPool(20, true, poolWorker) },
	"big_pool":       func() { startPool(2000, false, bigPoolWorker) },
	"bursty":         startBursty,
	"accept":         func() { startAccept(false) },
	"read_loop":      func() { startAccept(true) },
	"stopped_ticker": startStoppedTickers,
	"sleepers": func() {
		for i := 0; i < 10; i++ {
			go sleeper()
		}
	},
}

func split(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to serve /debug/pprof/ on")
	patterns := flag.String("patterns", "", "comma list of leak patterns: premature_return, ncast, range_unclosed, ticker_no_stop, nil_chan, cond_wait, waitgroup, mutex")
	benignList := flag.String("benign", "", "comma list of benign patterns: pool, bursty, accept, read_loop, stopped_ticker, sleepers, big_pool")
	perMinute := flag.Float64("leak-per-minute", 6, "leak events a minute, per leak pattern")
	leakFor := flag.Duration("leak-for", 0, "stop leaking after this long (0: never)")
	flag.Parse()

	var leakFns []func()
	for _, p := range split(*patterns) {
		f, ok := leaks[p]
		if !ok {
			fmt.Fprintln(os.Stderr, "service: unknown leak pattern", p)
			os.Exit(2)
		}
		leakFns = append(leakFns, f)
	}
	var benignFns []func()
	for _, b := range split(*benignList) {
		f, ok := benign[b]
		if !ok {
			fmt.Fprintln(os.Stderr, "service: unknown benign pattern", b)
			os.Exit(2)
		}
		benignFns = append(benignFns, f)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "service:", err)
		os.Exit(1)
	}
	fmt.Println("listening on", ln.Addr().String())

	// The mutex leak needs a lock that is never released.
	stuckMutex.Lock()
	for _, f := range benignFns {
		f()
	}
	if len(leakFns) > 0 && *perMinute > 0 {
		period := time.Duration(float64(time.Minute) / *perMinute)
		start := time.Now()
		for _, f := range leakFns {
			go func(f func()) {
				for {
					time.Sleep(period)
					if *leakFor > 0 && time.Since(start) > *leakFor {
						return
					}
					f()
				}
			}(f)
		}
	}
	fmt.Println("ready")
	err = http.Serve(ln, nil)
	fmt.Fprintln(os.Stderr, "service:", err)
	os.Exit(1)
}
