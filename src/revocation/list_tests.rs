//! Unit tests of the revocation list: merging, expiry, bounds.

use super::*;

const NOW: u64 = 1_000;

#[test]
fn a_deletion_refuses_every_token_until_it_expires() {
    let list = RevocationList::new();
    assert!(!list.refuses("a", Some(NOW), NOW));
    list.revoke("a", Revocation::deleted(NOW + 100), NOW)
        .expect("room");
    assert!(list.refuses("a", Some(NOW + 50), NOW + 99));
    assert!(list.refuses("a", None, NOW + 99));
    assert!(!list.refuses("a", Some(NOW), NOW + 100));
    assert!(!list.refuses("b", Some(NOW), NOW));
}

#[test]
fn a_sign_out_refuses_tokens_issued_up_to_it() {
    let list = RevocationList::new();
    list.revoke("a", Revocation::signed_out(NOW, NOW + 100), NOW)
        .expect("room");
    assert!(list.refuses("a", Some(NOW), NOW + 1));
    assert!(list.refuses("a", Some(NOW - 1), NOW + 1));
    assert!(list.refuses("a", None, NOW + 1), "no iat: cannot be newer");
    assert!(!list.refuses("a", Some(NOW + 1), NOW + 1));
}

#[test]
fn revocations_of_one_user_merge_to_the_stricter() {
    let list = RevocationList::new();
    list.revoke("a", Revocation::deleted(NOW + 10), NOW)
        .expect("room");
    list.revoke("a", Revocation::signed_out(NOW, NOW + 100), NOW)
        .expect("room");
    assert_eq!(
        list.get("a"),
        Some(Revocation {
            issued_up_to: u64::MAX,
            until: NOW + 100
        })
    );
    assert_eq!(list.len(), 1);
}

#[test]
fn a_full_list_never_drops_a_live_revocation() {
    let list = RevocationList::with_capacity(100);
    let mut stored = Vec::new();
    let mut refused = None;
    for i in 0..400 {
        let sub = format!("s{i}");
        match list.revoke(&sub, Revocation::deleted(NOW + 100 + i as u64), NOW) {
            Ok(()) => stored.push(sub),
            Err(RevocationListFull) => {
                refused = Some(sub);
                break;
            }
        }
    }
    let refused = refused.expect("the list filled up");
    assert_eq!(
        stored.len(),
        100,
        "the bound is the whole list's, not a shard's"
    );
    for sub in &stored {
        assert!(list.refuses(sub, Some(NOW), NOW + 1), "{sub} was lifted");
    }
    // Fail closed: the one that did not fit is refused too, with
    // everyone else's tokens issued so far; newer tokens still pass.
    assert!(list.refuses(&refused, Some(NOW), NOW + 1));
    assert!(list.refuses("bystander", Some(NOW), NOW + 1));
    assert!(!list.refuses("bystander", Some(NOW + 1), NOW + 1));
}

#[test]
fn live_entries_are_listed_for_write_back() {
    let list = RevocationList::new();
    list.revoke("a", Revocation::deleted(NOW + 10), NOW)
        .expect("room");
    list.revoke("b", Revocation::signed_out(NOW, NOW + 5), NOW)
        .expect("room");
    let mut live = list.live_entries(NOW + 6);
    live.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(live, vec![("a".to_owned(), Revocation::deleted(NOW + 10))]);
    assert_eq!(list.live_entries(NOW).len(), 2);
}

#[test]
fn a_full_list_prunes_exactly_what_has_expired() {
    // Capacity 1: only pruning can make room for the second entry.
    let list = RevocationList::with_capacity(1);
    list.revoke("a", Revocation::deleted(NOW + 10), NOW)
        .expect("room");
    assert_eq!(
        list.revoke("b", Revocation::deleted(NOW + 20), NOW + 9),
        Err(RevocationListFull),
        "a is still live at NOW + 9"
    );
    // At NOW + 10, a no longer refuses anything: it makes room.
    list.revoke("c", Revocation::deleted(NOW + 30), NOW + 10)
        .expect("the entry expiring now was pruned");
    assert_eq!(list.len(), 1, "the count follows the pruning exactly");
    assert_eq!(list.get("a"), None);
    assert!(list.refuses("c", Some(NOW), NOW + 11));

    // Shards keep their live entries through a prune, and the count
    // says exactly how many.
    let list = RevocationList::with_capacity(200);
    list.revoke("old", Revocation::deleted(NOW + 10), NOW)
        .expect("room");
    for i in 0..199 {
        list.revoke(&format!("s{i}"), Revocation::deleted(NOW + 100), NOW)
            .expect("room");
    }
    list.revoke("new", Revocation::deleted(NOW + 100), NOW + 10)
        .expect("the expired one made room");
    assert_eq!(list.len(), 200);
    assert_eq!(list.live_entries(NOW + 10).len(), 200);
}

#[test]
fn expired_entries_make_room() {
    let list = RevocationList::with_capacity(SHARDS);
    for i in 0..SHARDS * 4 {
        // Each expires before the next is added.
        let at = NOW + 10 * i as u64;
        list.revoke(&format!("s{i}"), Revocation::deleted(at + 5), at)
            .expect("expired entries make room");
    }
    assert!(list.len() <= SHARDS, "{} held", list.len());
    let last = format!("s{}", SHARDS * 4 - 1);
    let at = NOW + 10 * (SHARDS as u64 * 4 - 1);
    assert!(list.refuses(&last, Some(at), at + 1));
    assert!(!list.refuses("bystander", Some(at), at + 1));
}

#[test]
fn one_pool_filling_the_list_fails_closed_for_that_pool_only() {
    // Issue #20: a `[[pool]]` pool's keys are `{name}:{sub}`. An admin of
    // pool `a` deleting made-up subs until the list is full must not lock
    // out pool `b`'s users (nor the bare subs of the environment's pool).
    let list = RevocationList::with_capacity(50);
    let mut refused = None;
    for i in 0..200 {
        let key = format!("a:s{i}");
        if list
            .revoke(&key, Revocation::deleted(NOW + 100), NOW)
            .is_err()
        {
            refused = Some(key);
            break;
        }
    }
    let refused = refused.expect("pool a filled the list");
    assert!(list.refuses(&refused, Some(NOW), NOW + 1), "fails closed");
    assert!(list.refuses("a:bystander", Some(NOW), NOW + 1), "for a");
    assert!(!list.refuses("b:bystander", Some(NOW), NOW + 1), "not b");
    assert!(!list.refuses("bystander", Some(NOW), NOW + 1), "not bare");
    // Pool b's own revocations still fit, and are enforced.
    assert_eq!(
        list.revoke("b:victim", Revocation::deleted(NOW + 100), NOW),
        Ok(())
    );
    assert!(list.refuses("b:victim", Some(NOW), NOW + 1));
    assert!(!list.refuses("b:other", Some(NOW), NOW + 1));
}
