//! PHP's array sort algorithm (`zend_sort`: insertion sort up to 16 elements, a libc++-style
//! quicksort above), reproduced step for step.
//!
//! PHP's `ksort` key comparison is not transitive when numeric and non-numeric string keys
//! mix (`"9" < "10" < "1_5" < "9"`), so for such key sets the order a PHP signer hashed
//! depends on the exact sequence of comparisons. Reproducing the algorithm, rather than
//! using any correct sort, keeps Wildix canonical strings identical to PHP's even then
//! (checked against PHP 8.2 by differential testing). It also never panics on an
//! inconsistent order, which `slice::sort_by` does not promise.

/// Sorts `v` in place in exactly the order PHP's `zend_sort` would, given `gt(a, b)` ⇔ `cmp(a, b) > 0`.
pub(crate) fn zend_sort<T>(v: &mut [T], gt: &impl Fn(&T, &T) -> bool) {
    let mut lo = 0usize;
    let mut n = v.len();
    loop {
        let Some(part) = v.get_mut(lo..lo + n) else {
            return;
        };
        if n <= 16 {
            insert_sort(part, gt);
            return;
        }
        let end = n;
        let offset = n >> 1;
        let pivot = offset;
        if n >> 10 != 0 {
            let delta = offset >> 1;
            sort5(part, [0, delta, pivot, pivot + delta, end - 1], gt);
        } else {
            sort3(part, 0, pivot, end - 1, gt);
        }
        part.swap(1, pivot);
        let pivot = 1;
        let (mut i, mut j) = (pivot + 1, end - 1);
        'partition: loop {
            while gt(&part[pivot], &part[i]) {
                i += 1;
                if i == j {
                    break 'partition;
                }
            }
            j -= 1;
            if j == i {
                break 'partition;
            }
            while gt(&part[j], &part[pivot]) {
                j -= 1;
                if j == i {
                    break 'partition;
                }
            }
            part.swap(i, j);
            i += 1;
            if i == j {
                break 'partition;
            }
        }
        part.swap(pivot, i - 1);
        // Recurse into the smaller side, loop on the larger one (as PHP does).
        if i - 1 < end - i {
            zend_sort(&mut part[..i - 1], gt);
            lo += i;
            n = end - i;
        } else {
            zend_sort(&mut part[i..], gt);
            n = i - 1;
        }
    }
}

fn sort2<T>(v: &mut [T], a: usize, b: usize, gt: &impl Fn(&T, &T) -> bool) {
    if gt(&v[a], &v[b]) {
        v.swap(a, b);
    }
}

fn sort3<T>(v: &mut [T], a: usize, b: usize, c: usize, gt: &impl Fn(&T, &T) -> bool) {
    if !gt(&v[a], &v[b]) {
        if !gt(&v[b], &v[c]) {
            return;
        }
        v.swap(b, c);
        sort2(v, a, b, gt);
        return;
    }
    if !gt(&v[c], &v[b]) {
        v.swap(a, c);
        return;
    }
    v.swap(a, b);
    sort2(v, b, c, gt);
}

/// Sorts the first three, then sinks each further element towards the front.
fn sort5<T>(v: &mut [T], idx: [usize; 5], gt: &impl Fn(&T, &T) -> bool) {
    sort_small(v, &idx, gt);
}

fn sort_small<T>(v: &mut [T], idx: &[usize], gt: &impl Fn(&T, &T) -> bool) {
    let [a, b, c, rest @ ..] = idx else {
        if let [a, b] = idx {
            sort2(v, *a, *b, gt);
        }
        return;
    };
    sort3(v, *a, *b, *c, gt);
    for (n, _) in rest.iter().enumerate() {
        // Element idx[n + 3] sinks while its left neighbour is greater.
        let mut k = n + 3;
        while k > 0 && gt(&v[idx[k - 1]], &v[idx[k]]) {
            v.swap(idx[k - 1], idx[k]);
            k -= 1;
        }
    }
}

fn insert_sort<T>(v: &mut [T], gt: &impl Fn(&T, &T) -> bool) {
    let n = v.len();
    if n <= 5 {
        let idx: Vec<usize> = (0..n).collect();
        sort_small(v, &idx, gt);
        return;
    }
    // The first six by linear insertion.
    for i in 1..6 {
        let mut j = i - 1;
        if !gt(&v[j], &v[i]) {
            continue;
        }
        while j != 0 {
            j -= 1;
            if !gt(&v[j], &v[i]) {
                j += 1;
                break;
            }
        }
        v[j..=i].rotate_right(1);
    }
    // The rest by a two-step backwards scan.
    for i in 6..n {
        let mut j = i - 1;
        if !gt(&v[j], &v[i]) {
            continue;
        }
        loop {
            j -= 2;
            if !gt(&v[j], &v[i]) {
                j += 1;
                if !gt(&v[j], &v[i]) {
                    j += 1;
                }
                break;
            }
            if j == 0 {
                break;
            }
            if j == 1 {
                j = 0;
                if gt(&v[i], &v[j]) {
                    j = 1;
                }
                break;
            }
        }
        v[j..=i].rotate_right(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn sorts_like_a_stable_sort_under_a_total_order(mut v in proptest::collection::vec((0u8..20, any::<u16>()), 0..1500)) {
            let mut expected = v.clone();
            expected.sort_by_key(|x| x.0);
            // Ties broken by original position make the order total, as PHP 8's stable sort does.
            let mut indexed: Vec<(usize, (u8, u16))> = v.drain(..).enumerate().collect();
            zend_sort(&mut indexed, &|a, b| (a.1.0, a.0) > (b.1.0, b.0));
            let got: Vec<(u8, u16)> = indexed.into_iter().map(|x| x.1).collect();
            prop_assert_eq!(got, expected);
        }

        #[test]
        fn never_panics_on_an_inconsistent_order(v in proptest::collection::vec(any::<u32>(), 0..300), seed in any::<u32>()) {
            let mut v = v;
            zend_sort(&mut v, &|a, b| (a ^ b ^ seed) & 1 == 1);
        }
    }
}
