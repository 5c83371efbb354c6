//! A vector that holds its first few items inline, so the lists of a parsed
//! value (results, properties, comments) cost no heap allocation for the
//! fields real servers write.
//!
//! It is written without `unsafe`: the inline slots that hold no item hold
//! a placeholder, an empty part that no reader ever sees, since the vector
//! only ever shows its items as a slice. Past its inline capacity it moves
//! every item to a `Vec` and grows there. Unlike a vector generic over an
//! array type, it keeps the parsed value covariant in its lifetime, so values
//! borrowing inputs of different lifetimes still compare.

use std::borrow::Cow;
use std::fmt;
use std::ops::{Deref, DerefMut};

use mailtrail_message::Span;

use crate::{Method, Property, ResultInfo, ResultValue};

/// Items in order, the first `N` held inline without a heap allocation.
///
/// It derefs to a slice: index it, iterate it, take its `len`. Add items
/// with [`push`](Self::push), [`extend`](Extend::extend) or
/// [`collect`](Iterator::collect). It compares equal to any slice, array,
/// `Vec` or `InlineVec` with equal items, prints and serializes as a list.
///
/// ```
/// use mailtrail_authres::AuthenticationResults;
///
/// let header = AuthenticationResults::parse("mx.example.com; spf=pass (a) (b)")?;
///
/// assert_eq!(header.results[0].comments, ["a", "b"]);
/// assert_eq!(header.results[0].comments.len(), 2);
/// # Ok::<(), mailtrail_authres::ParseError>(())
/// ```
#[derive(Clone)]
pub struct InlineVec<T, const N: usize> {
    /// The items while there are at most `N`, then placeholders.
    inline: [T; N],
    /// How many of `inline` are items.
    length: usize,
    /// Every item once there were more than `N`; empty before.
    spilled: Vec<T>,
}

/// A type an [`InlineVec`] can hold: one with a placeholder value that
/// costs nothing to make or drop. Implemented for the parts of a parsed
/// value: comment texts, properties and results.
pub trait InlineItem: sealed::Sealed + Sized {
    /// What an inline slot holds before an item arrives.
    const PLACEHOLDER: Self;
}

impl<T: InlineItem, const N: usize> InlineVec<T, N> {
    /// An empty vector, which allocates nothing.
    pub const fn new() -> Self {
        Self {
            inline: [const { T::PLACEHOLDER }; N],
            length: 0,
            spilled: Vec::new(),
        }
    }

    /// Adds `item` after the others.
    pub fn push(&mut self, item: T) {
        if self.spilled.is_empty() && self.length < N {
            self.inline[self.length] = item;
            self.length += 1;
            return;
        }

        if self.spilled.is_empty() {
            self.spill();
        }
        self.spilled.push(item);
    }

    /// Adds an empty item after the others and returns it, to be filled in
    /// where it stands rather than moved in.
    pub(crate) fn push_empty(&mut self) -> &mut T {
        if self.spilled.is_empty() && self.length < N {
            self.length += 1;
            return &mut self.inline[self.length - 1];
        }

        self.push(T::PLACEHOLDER);
        let last = self.spilled.len() - 1;
        &mut self.spilled[last]
    }

    /// Removes the last item and returns it, if there is one.
    pub fn pop(&mut self) -> Option<T> {
        if !self.spilled.is_empty() {
            return self.spilled.pop();
        }

        let last = self.length.checked_sub(1)?;
        self.length = last;
        Some(std::mem::replace(&mut self.inline[last], T::PLACEHOLDER))
    }

    /// Moves every item of `other` after the others, leaving it empty.
    pub fn append<const M: usize>(&mut self, other: &mut InlineVec<T, M>) {
        let taken = std::mem::take(other);

        self.extend(taken);
    }

    /// Moves the inline items to the heap, to make room for more.
    fn spill(&mut self) {
        let items = &mut self.inline[..self.length];
        self.spilled.reserve(2 * N.max(1));

        let taken = items
            .iter_mut()
            .map(|slot| std::mem::replace(slot, T::PLACEHOLDER));
        self.spilled.extend(taken);
        self.length = 0;
    }
}

impl<T: InlineItem, const N: usize> Default for InlineVec<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, const N: usize> Deref for InlineVec<T, N> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        if self.spilled.is_empty() {
            &self.inline[..self.length]
        } else {
            &self.spilled
        }
    }
}

impl<T, const N: usize> DerefMut for InlineVec<T, N> {
    fn deref_mut(&mut self) -> &mut [T] {
        if self.spilled.is_empty() {
            &mut self.inline[..self.length]
        } else {
            &mut self.spilled
        }
    }
}

impl<T: InlineItem, const N: usize> Extend<T> for InlineVec<T, N> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, items: I) {
        for item in items {
            self.push(item);
        }
    }
}

impl<T: InlineItem, const N: usize> FromIterator<T> for InlineVec<T, N> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        let mut vector = Self::new();
        vector.extend(items);
        vector
    }
}

impl<T: InlineItem, const N: usize> From<Vec<T>> for InlineVec<T, N> {
    fn from(items: Vec<T>) -> Self {
        items.into_iter().collect()
    }
}

impl<T: InlineItem, const N: usize, const M: usize> From<[T; M]> for InlineVec<T, N> {
    fn from(items: [T; M]) -> Self {
        items.into_iter().collect()
    }
}

/// The items, in order, by value.
impl<T, const N: usize> IntoIterator for InlineVec<T, N> {
    type Item = T;
    type IntoIter =
        std::iter::Chain<std::iter::Take<std::array::IntoIter<T, N>>, std::vec::IntoIter<T>>;

    fn into_iter(self) -> Self::IntoIter {
        let inline = self.inline.into_iter().take(self.length);

        inline.chain(self.spilled)
    }
}

impl<'v, T, const N: usize> IntoIterator for &'v InlineVec<T, N> {
    type Item = &'v T;
    type IntoIter = std::slice::Iter<'v, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'v, T, const N: usize> IntoIterator for &'v mut InlineVec<T, N> {
    type Item = &'v mut T;
    type IntoIter = std::slice::IterMut<'v, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}

/// Prints as the list of items, as a `Vec` does.
impl<T: fmt::Debug, const N: usize> fmt::Debug for InlineVec<T, N> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, formatter)
    }
}

impl<T: PartialEq<U>, U, const N: usize, const M: usize> PartialEq<InlineVec<U, M>>
    for InlineVec<T, N>
{
    fn eq(&self, other: &InlineVec<U, M>) -> bool {
        **self == **other
    }
}

impl<T: Eq, const N: usize> Eq for InlineVec<T, N> {}

impl<T: PartialEq<U>, U, const N: usize> PartialEq<[U]> for InlineVec<T, N> {
    fn eq(&self, other: &[U]) -> bool {
        **self == *other
    }
}

impl<T: PartialEq<U>, U, const N: usize> PartialEq<&[U]> for InlineVec<T, N> {
    fn eq(&self, other: &&[U]) -> bool {
        **self == **other
    }
}

impl<T: PartialEq<U>, U, const N: usize, const M: usize> PartialEq<[U; M]> for InlineVec<T, N> {
    fn eq(&self, other: &[U; M]) -> bool {
        **self == *other
    }
}

impl<T: PartialEq<U>, U, const N: usize> PartialEq<Vec<U>> for InlineVec<T, N> {
    fn eq(&self, other: &Vec<U>) -> bool {
        **self == **other
    }
}

/// Serializes as the sequence of items, as a `Vec` does.
#[cfg(feature = "serde")]
impl<T: serde::Serialize, const N: usize> serde::Serialize for InlineVec<T, N> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl InlineItem for Cow<'_, str> {
    const PLACEHOLDER: Self = Cow::Borrowed("");
}

impl InlineItem for Property<'_> {
    const PLACEHOLDER: Self = Property {
        ptype: None,
        property: Cow::Borrowed(""),
        value: Cow::Borrowed(""),
        comments: InlineVec::new(),
        span: Span::new(0, 0),
    };
}

impl InlineItem for ResultInfo<'_> {
    const PLACEHOLDER: Self = ResultInfo::new(Method::Other(Cow::Borrowed("")), ResultValue::None);
}

mod sealed {
    /// Keeps [`InlineItem`](super::InlineItem) to the types of this crate.
    pub trait Sealed {}

    impl Sealed for std::borrow::Cow<'_, str> {}
    impl Sealed for crate::Property<'_> {}
    impl Sealed for crate::ResultInfo<'_> {}
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::InlineVec;

    #[test]
    fn items_past_the_inline_capacity_move_to_the_heap_in_order() {
        let mut texts: InlineVec<Cow<'_, str>, 2> = InlineVec::new();

        for text in ["a", "b", "c", "d", "e"] {
            texts.push(Cow::Borrowed(text));
            assert_eq!(texts.last().map(|last| &**last), Some(text));
        }
        assert_eq!(texts, ["a", "b", "c", "d", "e"]);
        assert_eq!(
            texts.into_iter().collect::<Vec<_>>(),
            ["a", "b", "c", "d", "e"]
        );
    }

    #[test]
    fn append_moves_every_item_and_empties_the_other() {
        let mut first: InlineVec<Cow<'_, str>, 1> = ["a"].map(Cow::Borrowed).into();
        let mut second: InlineVec<Cow<'_, str>, 1> = ["b", "c"].map(Cow::Borrowed).into();

        first.append(&mut second);
        assert_eq!(first, ["a", "b", "c"]);
        assert!(second.is_empty());
        assert_eq!(format!("{second:?} {first:?}"), r#"[] ["a", "b", "c"]"#);
    }
}
