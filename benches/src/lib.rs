//! Inputs shared by the criterion benches of mailtrail.
//!
//! Each bench runs mailtrail and a peer library on the same bytes in the same
//! run; the inputs live here so every bench reads exactly the same message.
//! The data files are written for the benches and use only documentation
//! domains and addresses (RFC 2606, RFC 5737, RFC 3849).

#![forbid(unsafe_code)]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// A realistic message of about 10 KiB with CRLF line ends: eight
/// `Received` fields in Microsoft 365, Postfix, Exim, Gmail, Sendmail and
/// qmail styles, an ARC set, `Authentication-Results`, a `DKIM-Signature`,
/// the usual originator and MIME fields with folding, and a
/// multipart/alternative body.
///
/// ```
/// let block = mailtrail_message::split(mailtrail_benches::REALISTIC_MESSAGE);
///
/// assert_eq!(block.get_all("Received").count(), 8);
/// assert!(block.deviations().is_empty());
/// ```
pub const REALISTIC_MESSAGE: &[u8] = include_bytes!("../data/realistic.eml");

/// Polls a future that must complete without waiting, as every evaluation
/// answered from memory does, so no runtime's cost is measured.
///
/// ```
/// assert_eq!(mailtrail_benches::ready(async { 7 }), 7);
/// ```
///
/// # Panics
///
/// When the future is not ready at its first poll: the bench would then
/// measure something it does not mean to.
pub fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut context) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("a future answered from memory waited"),
    }
}
