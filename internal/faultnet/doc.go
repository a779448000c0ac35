// Package faultnet is test support for fault injection on loopback: a
// server that accepts connections and never answers ([Silent]), a server
// that answers the first packet with given bytes ([Answer]), and a body
// that is generated as it is read, as large as a test asks ([Repeat]).
//
// Tests use it to check that a client gives up in bounded time, turns a
// driver's panic on junk into an error, or stops reading a huge field at
// its limit. It listens on 127.0.0.1 only and cleans up with the test.
package faultnet
