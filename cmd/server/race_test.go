//go:build race

package main

// raceBuild says the tests run with the race detector, so the fault test
// builds the server with it too (reusing the packages the test build
// compiled, and catching a race in the server under faults).
const raceBuild = true
