// Package faultnet is test support for fault injection on loopback: a
// server that accepts connections and never answers ([Silent]), a server
// that answers the first packet with given bytes ([Answer]), an HTTP
// host that must never be contacted ([OtherHost]), and a body that is
// generated as it is read, as large as a test asks ([Repeat]).
//
// Tests use it to check that a client gives up in bounded time, turns a
// driver's panic on junk into an error, refuses a redirect to another
// host, or stops reading a huge field at its limit. It listens on
// 127.0.0.1 only, and everything it starts ends with the test.
package faultnet
