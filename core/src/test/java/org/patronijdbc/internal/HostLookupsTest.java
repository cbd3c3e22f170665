package org.patronijdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A slow or failing name server never holds a caller past its bound: lookups run on the library's
 * background threads, a name that resolved before answers at once with its last addresses.
 */
class HostLookupsTest {

  /** Answers from {@code answers}; a name mapped to null hangs until {@link #release}. */
  private final Map<String, Set<String>> answers = new ConcurrentHashMap<>();

  private final CountDownLatch release = new CountDownLatch(1);
  private final AtomicInteger lookups = new AtomicInteger();

  private final HostLookups.Resolver resolver =
      host -> {
        lookups.incrementAndGet();
        if (host.startsWith("hung")) {
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        Set<String> a = answers.get(host);
        if (a == null) {
          throw new UnknownHostException(host);
        }
        return a;
      };

  @AfterEach
  void releaseHungLookups() {
    release.countDown();
  }

  @Test
  void aNameNeverResolvedIsWaitedForOnlyWithinTheCallersBound() throws Exception {
    HostLookups lookups = new HostLookups(resolver, Logins::background, Long.MAX_VALUE);
    answers.put("hung.example", Set.of("127.0.0.7"));

    long started = System.nanoTime();
    Map<String, Set<String>> now = lookups.resolveEach(List.of("hung.example:5432"), 200);
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

    assertThat(now).containsEntry("hung.example", Set.of());
    assertThat(tookMs).isBetween(150L, 5_000L);
    // the lookup goes on in the background; once it answers, callers have it at once
    release.countDown();
    assertThat(lookups.resolveEach(List.of("hung.example:5432"), 5_000))
        .containsEntry("hung.example", Set.of("127.0.0.7"));
  }

  @Test
  void aNameThatResolvedBeforeAnswersAtOnceWhileALookupHangs() throws Exception {
    CountDownLatch hang = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    HostLookups lookups =
        new HostLookups(
            host -> {
              if (calls.incrementAndGet() > 1) {
                try {
                  hang.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
              return Set.of("127.0.0.10");
            },
            Logins::background,
            0);
    try {
      assertThat(lookups.resolve(List.of("db.example:5432"), 5_000)).containsExactly("127.0.0.10");
      for (int i = 0; i < 20; i++) {
        long started = System.nanoTime();
        assertThat(lookups.resolve(List.of("db.example:5432"), 5_000))
            .containsExactly("127.0.0.10");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(1_000);
      }
      // one lookup at a time per name, however many callers ask while it hangs
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (calls.get() < 2 && System.nanoTime() < until) {
        Thread.sleep(5);
      }
      assertThat(calls.get()).isEqualTo(2);
    } finally {
      hang.countDown();
    }
  }

  @Test
  void aFailedLookupKeepsTheLastAddresses() throws Exception {
    HostLookups lookups = new HostLookups(resolver, Logins::background, 0);
    answers.put("db.example", Set.of("127.0.0.11"));
    assertThat(lookups.resolve(List.of("db.example:5432"), 5_000)).containsExactly("127.0.0.11");

    answers.remove("db.example"); // the name server stops answering for it
    int before = this.lookups.get();
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    // a lookup starts only once the one before it ended: two more mean one failed and ended
    while (this.lookups.get() < before + 2 && System.nanoTime() < until) {
      assertThat(lookups.resolve(List.of("db.example:5432"), 5_000)).containsExactly("127.0.0.11");
      Thread.sleep(5);
    }
    assertThat(this.lookups.get()).isGreaterThanOrEqualTo(before + 2);
    assertThat(lookups.resolve(List.of("db.example:5432"), 5_000)).containsExactly("127.0.0.11");
  }

  @Test
  void aNameThatNeverResolvedIsLookedUpAgainSoon() throws Exception {
    HostLookups lookups = new HostLookups(resolver, Logins::background, Long.MAX_VALUE);
    assertThat(lookups.resolve(List.of("late.example:5432"), 5_000)).isEmpty(); // not yet known
    answers.put("late.example", Set.of("127.0.0.12")); // the name server catches up
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    Set<String> now = Set.of();
    while (now.isEmpty() && System.nanoTime() < until) {
      Thread.sleep(50);
      now = lookups.resolve(List.of("late.example:5432"), 0);
    }
    // within seconds, not at the minute's refresh (here: never)
    assertThat(now).containsExactly("127.0.0.12");
  }

  @Test
  void literalsAreNeverLookedUpAndANameNeverResolvedHasNoAddress() {
    HostLookups lookups = new HostLookups(resolver, Logins::background, Long.MAX_VALUE);
    Map<String, Set<String>> now =
        lookups.resolveEach(List.of("127.0.0.1:5432", "[::1]:5433", "nowhere.example:5432"), 5_000);
    assertThat(now).containsOnlyKeys("nowhere.example");
    assertThat(now.get("nowhere.example")).isEmpty();
    assertThat(this.lookups.get()).isEqualTo(1);
  }
}
