package org.patronijdbc.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.patronijdbc.TopologyListener;
import org.patronijdbc.topology.ClusterMember;
import org.patronijdbc.topology.ClusterTopology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one cluster's topology current for the whole JVM, on one daemon thread: it asks one
 * member's REST API per poll ({@code GET /cluster}, {@link Endpoints}), at the pace {@link Pacing}
 * sets, takes or refuses each answer by {@link Acceptance}, and tells the listeners ({@link
 * Listeners}). It holds the cluster's {@link MemberLedger}.
 */
public final class TopologyMonitor {

  private static final Logger log = LoggerFactory.getLogger(TopologyMonitor.class);
  private static final int MAX_WARNINGS_KEPT = 64;

  private final MonitorKey key;
  private final PatroniRestClient rest;
  private final long restTimeoutMs;
  private final ScheduledExecutorService thread;
  private final AtomicReference<ClusterTopology> current = new AtomicReference<>();
  private final Listeners listeners = new Listeners();
  private final MemberLedger ledger = new MemberLedger();
  private final Pacing pacing = new Pacing();
  private final AtomicBoolean immediatePending = new AtomicBoolean();
  // a lock, not an object monitor: a virtual thread waiting for a poll must not pin its carrier
  private final ReentrantLock pollLock = new ReentrantLock();
  private final Condition polled = pollLock.newCondition();
  private volatile long refreshMs;
  private volatile boolean closed;
  private volatile String name;
  private long polls; // guarded by pollLock
  private boolean restUnreachable; // guarded by pollLock
  // only touched on the monitor thread:
  private final Endpoints endpoints;
  private Acceptance.State state;
  private ScheduledFuture<?> next;
  private final ScopeLookup scopes;
  private final Set<String> warned = new HashSet<>();
  private MemberTrust trust;

  TopologyMonitor(MonitorKey key, RestSecurity security, long refreshMs) {
    this.key = key;
    this.refreshMs = refreshMs;
    this.restTimeoutMs = key.patroniTimeoutMs();
    this.endpoints = new Endpoints(key.endpoints(), key.discoverMembers());
    this.rest = new PatroniRestClient(security, Duration.ofMillis(restTimeoutMs), key.endpoints());
    this.name = key.endpoints().get(0);
    this.state = Acceptance.State.initial(key.scope());
    this.scopes = new ScopeLookup(rest, this::tellRestRequest);
    String threadName = "patroni-jdbc-monitor-" + name.replaceFirst("^https?://", "");
    this.thread =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, threadName);
              t.setDaemon(true);
              // not the loader of whichever application connected first: it would outlive a
              // redeploy
              t.setContextClassLoader(TopologyMonitor.class.getClassLoader());
              return t;
            });
  }

  void start() {
    HostLookups.SYSTEM.resolve(key.hosts(), 0); // the URL's names, looked up from now on
    pacing.requestFast(System.nanoTime());
    thread.execute(this::pollAndReschedule);
  }

  /** The latest snapshot, if any was ever read. */
  public Optional<ClusterTopology> current() {
    return Optional.ofNullable(current.get());
  }

  /** The cluster's name for log lines: its scope once known, else the first endpoint. */
  public String name() {
    return name;
  }

  /** What this JVM remembers about the cluster's members. */
  public MemberLedger ledger() {
    return ledger;
  }

  /** Whether the last poll found no REST API answering. */
  public boolean restUnreachable() {
    pollLock.lock();
    try {
      return restUnreachable;
    } finally {
      pollLock.unlock();
    }
  }

  /**
   * How long the last answer counts before its lag figures no longer do: three poll intervals and
   * two REST timeouts (5 s at the defaults), time for two polls to fail and a third to run out.
   */
  public long staleAfterMs() {
    return 3 * refreshMs + 2 * restTimeoutMs;
  }

  /**
   * Polls soon and then fast until a stable leader is seen (a connection suggested a change). Polls
   * start at least {@value Pacing#FAST_POLL_MS} ms apart however many threads ask.
   */
  public void requestRefresh() {
    pacing.requestFast(System.nanoTime());
    if (!closed && immediatePending.compareAndSet(false, true)) {
      Runnable poll =
          () -> {
            immediatePending.set(false);
            pacing.restartStreak();
            pollAndReschedule();
          };
      try {
        thread.execute(poll);
      } catch (RejectedExecutionException e) {
        immediatePending.set(false); // closed meanwhile
      }
    }
  }

  /** How many polls have completed; pass it to {@link #awaitPollAfter}. */
  public long pollCount() {
    pollLock.lock();
    try {
      return polls;
    } finally {
      pollLock.unlock();
    }
  }

  /** Waits until a poll after {@code seen} completes, or {@code timeoutMs} passes. */
  public void awaitPollAfter(long seen, long timeoutMs) throws InterruptedException {
    long left = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    pollLock.lock();
    try {
      while (polls <= seen && !closed && left > 0) {
        left = polled.awaitNanos(left);
      }
    } finally {
      pollLock.unlock();
    }
  }

  /** Registers a listener for every later change. */
  public void addListener(TopologyListener listener) {
    listeners.add(listener);
  }

  /** Removes a listener. */
  public void removeListener(TopologyListener listener) {
    listeners.remove(listener);
  }

  /**
   * The poll interval, the shortest any open user of the monitor asks for; a shorter one takes
   * effect at once, not after the poll scheduled at the longer one.
   */
  void setRefreshMs(long ms) {
    long before = refreshMs;
    refreshMs = ms;
    if (ms < before && !closed) {
      try {
        thread.execute(this::pollAndReschedule);
      } catch (RejectedExecutionException e) {
        // closed meanwhile
      }
    }
  }

  long refreshMs() {
    return refreshMs;
  }

  MonitorKey key() {
    return key;
  }

  void close() {
    closed = true;
    thread.shutdownNow();
    rest.close();
    signalPolled(() -> {});
    log.debug("{} - topology monitor stopped", name);
  }

  /** Whether the last user released this monitor. */
  public boolean isClosed() {
    return closed;
  }

  /** Waits up to {@code timeoutMs} for the thread of a closed monitor to end. */
  public boolean awaitStopped(long timeoutMs) throws InterruptedException {
    return thread.awaitTermination(timeoutMs, TimeUnit.MILLISECONDS);
  }

  /** Runs on the monitor thread only; whatever a poll throws, the next one is scheduled. */
  private void pollAndReschedule() {
    if (closed) {
      return;
    }
    if (next != null) {
      next.cancel(false);
    }
    long now = System.nanoTime();
    long wait = pacing.waitBeforePollMs(now);
    if (wait > 0) {
      next = thread.schedule(this::pollAndReschedule, wait, TimeUnit.MILLISECONDS);
      return;
    }
    pacing.pollStarted(now);
    try {
      age(now); // before the poll: a poll that hangs must not delay it
      poll();
      age(System.nanoTime());
    } catch (Throwable e) {
      log.error("{} - unexpected failure while reading the topology", name, e);
    } finally {
      if (!closed) {
        try {
          next = thread.schedule(this::pollAndReschedule, nextDelayMs(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
          // closed meanwhile
        }
      }
    }
  }

  /** The pace's delay, shortened so that the last answer goes stale on time. */
  private long nextDelayMs() {
    long now = System.nanoTime();
    long delay = pacing.nextDelayMs(now, refreshMs);
    ClusterTopology last = state.current();
    if (last != null && last.source() == ClusterTopology.Source.PATRONI) {
      long staleInMs =
          TimeUnit.NANOSECONDS.toMillis(state.lastAnswerNanos() - now) + staleAfterMs() + 1;
      delay = Math.min(delay, Math.max(Pacing.FAST_POLL_MS, staleInMs));
    }
    return delay;
  }

  private void poll() {
    long started = System.nanoTime();
    long deadline = started + TimeUnit.MILLISECONDS.toNanos(2 * restTimeoutMs);
    List<String> failures = new ArrayList<>();
    for (String endpoint : endpoints.order(started)) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) {
        failures.add("no time left in this poll for " + endpoint);
        break;
      }
      long requestStarted = System.nanoTime();
      ClusterTopology answer;
      try {
        answer = rest.fetchCluster(endpoint, Math.min(left, restTimeoutMs));
      } catch (IOException | RuntimeException e) {
        tellRestRequest(endpoint, requestStarted, false);
        endpoints.silent(endpoint, System.nanoTime());
        if (e instanceof ClusterJsonReader.TooManyMembers) {
          warnOnce("ignoring the answer of " + endpoint + ": " + e.getMessage());
        }
        failures.add(endpoint + ": " + e.getMessage());
        log.debug("{} - {} did not answer: {}", name, endpoint, e.toString());
        continue;
      }
      tellRestRequest(endpoint, requestStarted, true);
      Acceptance.Verdict verdict =
          Acceptance.accept(
              state, scopes.withScope(answer, endpoint, name), System.nanoTime(), trust(deadline));
      state = verdict.next();
      if (verdict.refused().isPresent()) {
        failures.add(endpoint + ": " + verdict.refused().get());
        warnOnce("ignoring the answer of " + endpoint + ": " + verdict.refused().get());
        continue;
      }
      endpoints.answered(endpoint);
      if (verdict.warning() != null) {
        log.warn("{} - {}", name, verdict.warning());
      }
      ClusterTopology published = verdict.published().get();
      published.refused().forEach(r -> warnOnce("not connecting to " + r));
      publish(published);
      return;
    }
    onRestUnreachable(failures);
  }

  private void publish(ClusterTopology topology) {
    if (!topology.scope().isEmpty()) {
      name = topology.scope();
    }
    ClusterTopology previous = current.getAndSet(topology);
    if (previous != null && previous.leaderTimeline() != topology.leaderTimeline()) {
      ledger.forgetReplayed(); // a new timeline: what members replayed before may be rewound
    }
    // Patroni 4.1 reports what each replica replayed: reads under a floor need not ask then. Only
    // from a running member on the leader's timeline: one still on an older timeline reports a
    // position it may lose to a rewind.
    long generation = ledger.replayedGeneration();
    topology.members().stream()
        .filter(m -> m.isRunning() && m.timeline() == topology.leaderTimeline())
        .forEach(m -> m.replayLsn().ifPresent(l -> ledger.noteReplayed(m.name(), l, generation)));
    boolean recovered = restUnreachable();
    signalPolled(() -> restUnreachable = false);
    if (recovered) {
      log.info("{} - Patroni REST API answers again", name);
    }
    pacing.sawLeader(topology.leader().map(ClusterMember::name).orElse(""), System.nanoTime());
    endpoints.discover(topology, trust(System.nanoTime())::allowsEndpoint);
    log.debug("{} - topology {}", name, topology);
    TopologyDiff.between(previous, topology).ifPresent(change -> listeners.changed(name, change));
  }

  /** Which hosts answers may send connections to; the first answer waits for the URL's names. */
  private MemberTrust trust(long pollDeadline) {
    long waitMs =
        trust == null ? TimeUnit.NANOSECONDS.toMillis(pollDeadline - System.nanoTime()) : 0;
    trust = MemberTrust.now(key, trust, waitMs);
    return trust;
  }

  /** Publishes the last answer as cached once it is too old for its lag figures to count. */
  private void age(long nowNanos) {
    Optional<Acceptance.State> aged =
        Acceptance.age(state, nowNanos, TimeUnit.MILLISECONDS.toNanos(staleAfterMs()));
    if (aged.isEmpty()) {
      return;
    }
    state = aged.get();
    ClusterTopology previous = current.getAndSet(state.current());
    log.warn(
        "{} - no Patroni REST API has answered for {} ms: routing from the topology read at {},"
            + " whose lag figures no longer count (maxReplicationLag keeps replicas out of reads)",
        name,
        staleAfterMs(),
        state.current().observedAt());
    TopologyDiff.between(previous, state.current())
        .ifPresent(change -> listeners.changed(name, change));
  }

  /** Counts a completed poll (or the close) under the lock and wakes every waiting connect. */
  private void signalPolled(Runnable update) {
    pollLock.lock();
    try {
      update.run();
      polls++;
      polled.signalAll();
    } finally {
      pollLock.unlock();
    }
  }

  private void onRestUnreachable(List<String> failures) {
    boolean first = !restUnreachable();
    signalPolled(() -> restUnreachable = true);
    if (first) {
      ClusterTopology last = current.get();
      log.warn(
          "{} - no Patroni REST API answers ({}){}",
          name,
          String.join("; ", failures),
          last == null ? "" : "; routing from the last topology, read at " + last.observedAt());
    }
  }

  private void warnOnce(String warning) {
    if (warned.size() > MAX_WARNINGS_KEPT) {
      warned.clear();
    }
    if (warned.add(warning)) {
      log.warn("{} - {}", name, warning);
    }
  }

  private void tellRestRequest(String endpoint, long startedNanos, boolean answered) {
    listeners.restRequest(
        name, endpoint, Duration.ofNanos(System.nanoTime() - startedNanos), answered);
  }
}
