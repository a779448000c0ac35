// Package socratatest runs a Socrata-compatible HTTP server on loopback for
// tests: the SODA 2.x publishing endpoints (upsert = POST, replace = PUT on
// /resource/{id}.json), count(*) and paged row queries answered from the
// rows it holds, and the Discovery catalog (/api/catalog/v1) served from
// configured assets.
//
// Every request is recorded with its headers (so tests can assert that the
// app token and Basic credentials were sent) and its decoded JSON rows.
// Faults can be injected: a status for the next n requests ([Server.FailNext]),
// dropped connections ([Server.DropNext]), a rejected upsert chunk
// ([Server.RejectChunk]), a per-request delay ([Server.SetDelay]) and a
// stored row count ([Server.SetCount]). [Server.MaxInFlight] reports the
// largest number of requests the server handled at the same time.
//
// Writes require the Basic credentials of [Server.Env] (401 otherwise), as
// the real service does; [Server.AllowAnonymousWrites] turns that off.
//
// Usage:
//
//	srv := socratatest.Start(t)
//	for k, v := range srv.Env() {
//		t.Setenv(k, v)
//	}
//	// ... run the job ...
//	rows := srv.Upserts("abcd-1234") // rows received by upsert, in order
//
// A Server is safe for concurrent use.
package socratatest
