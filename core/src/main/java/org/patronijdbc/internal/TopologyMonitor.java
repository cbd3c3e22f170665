package org.patronijdbc.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.patronijdbc.TopologyChange;
import org.patronijdbc.TopologyEvent;
import org.patronijdbc.TopologyListener;
import org.patronijdbc.topology.ClusterMember;
import org.patronijdbc.topology.ClusterTopology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one cluster's topology current for the whole JVM, on one daemon thread: each interval it
 * asks one member's REST API ({@code GET /cluster}), rotating through the members and skipping
 * those that did not answer lately. After {@link #requestRefresh()} (a connection error that
 * suggests a role change) or while no leader is seen, it polls every {@value #FAST_POLL_MS} ms
 * until the same leader has been seen {@value #STABLE_POLLS} times in a row.
 */
public final class TopologyMonitor {

  private static final Logger log = LoggerFactory.getLogger(TopologyMonitor.class);
  static final long FAST_POLL_MS = 100;
  static final int STABLE_POLLS = 3;
  private static final Duration FAST_MODE_LIMIT = Duration.ofSeconds(60);
  private static final Duration SKIP_SILENT_ENDPOINT = Duration.ofSeconds(5);
  private static final Duration SCOPE_RETRY = Duration.ofSeconds(60);

  /**
   * How long after a promotion replicas may still be on the old timeline: Patroni reports a
   * following replica's new timeline only once it streams from the new leader, and until then its
   * lag counts what it misses. A replica still behind after this replays nothing (seen on Patroni
   * 4.0.7: stuck with a small, frozen lag) and serves no reads.
   */
  static final Duration TIMELINE_SETTLES = Duration.ofSeconds(20);

  private final MonitorKey key;
  private final boolean discoverMembers;
  private final PatroniRestClient rest;
  private final ScheduledExecutorService thread;
  private final AtomicReference<ClusterTopology> current = new AtomicReference<>();
  private final List<TopologyListener> listeners = new CopyOnWriteArrayList<>();
  private final ConcurrentHashMap<String, AtomicInteger> openConnections =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Long> silentUntil = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Long> unreachableUntil = new ConcurrentHashMap<>();
  private final AtomicBoolean immediatePending = new AtomicBoolean();
  private final LoginThrottle logins = new LoginThrottle();
  private long lastPollStartNanos = System.nanoTime() - FAST_POLL_MS * 1_000_000; // monitor thread
  // a lock, not an object monitor: a virtual thread waiting for a poll must not pin its carrier
  private final ReentrantLock pollLock = new ReentrantLock();
  private final Condition polled = pollLock.newCondition();
  private volatile List<String> endpoints;
  private volatile long refreshMs;
  private volatile long fastUntilNanos;
  private volatile boolean closed;
  private long polls; // guarded by pollLock
  private boolean restUnreachable; // guarded by pollLock
  // only touched on the monitor thread:
  private int cursor;
  private int stableLeaderPolls;
  private String lastLeader = "";
  private ScheduledFuture<?> next;
  private String name;
  private String pinnedScope;
  private long highestLeaderTimeline = -1;
  private long highestTimelineSince;
  private long settledTimeline = -1;
  private final Map<String, String> scopes = new HashMap<>();
  private final Map<String, Long> scopeTriedAt = new HashMap<>();
  private final Set<String> warnedUntrusted = new HashSet<>();

  TopologyMonitor(
      MonitorKey key,
      RestSecurity security,
      long refreshMs,
      Duration restTimeout,
      boolean discoverMembers) {
    this.key = key;
    this.endpoints = key.endpoints();
    this.refreshMs = refreshMs;
    this.discoverMembers = discoverMembers;
    this.rest = new PatroniRestClient(security, restTimeout, key.endpoints());
    this.name = key.endpoints().get(0);
    this.pinnedScope = key.scope();
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
    fastUntilNanos = System.nanoTime() + FAST_MODE_LIMIT.toNanos();
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
   * Polls soon and then fast until a stable leader is seen (a connection suggested a change).
   * However many threads ask, polls start at least {@value #FAST_POLL_MS} ms apart: at most about
   * ten {@code GET /cluster} per second per cluster per JVM.
   */
  public void requestRefresh() {
    fastUntilNanos = System.nanoTime() + FAST_MODE_LIMIT.toNanos();
    if (!closed && immediatePending.compareAndSet(false, true)) {
      Runnable poll =
          () -> {
            immediatePending.set(false);
            stableLeaderPolls = 0; // on the monitor thread, like every other use of it
            pollAndReschedule();
          };
      try {
        thread.execute(poll); // pollAndReschedule keeps polls apart
      } catch (RejectedExecutionException e) {
        immediatePending.set(false); // closed meanwhile
      }
    }
  }

  /** Limits a JVM's logins to members that just failed one. */
  public LoginThrottle logins() {
    return logins;
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

  /** Counts connections this JVM holds per member, for leastConnections. */
  public int openConnections(String member) {
    AtomicInteger count = openConnections.get(member);
    return count == null ? 0 : count.get();
  }

  public void connectionOpened(String member) {
    logins.succeeded(member);
    openConnections.computeIfAbsent(member, m -> new AtomicInteger()).incrementAndGet();
  }

  public void connectionClosed(String member) {
    AtomicInteger count = openConnections.get(member);
    if (count != null) {
      count.decrementAndGet();
    }
  }

  /**
   * Remembers that connecting to {@code member} just failed, so every data source of the cluster
   * tries it last for a while: a hung member that Patroni still reports costs one login timeout,
   * not one per connect.
   */
  public void markUnreachable(String member) {
    unreachableUntil.put(member, System.nanoTime() + SKIP_SILENT_ENDPOINT.toNanos());
  }

  /** Whether connecting to {@code member} failed lately. */
  public boolean isUnreachable(String member) {
    Long until = unreachableUntil.get(member);
    return until != null && until - System.nanoTime() > 0;
  }

  /** Lowers the poll interval if a new user wants it shorter. */
  void offerRefreshInterval(long ms) {
    refreshMs = Math.min(refreshMs, ms);
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

  /** Runs on the monitor thread only. */
  private void pollAndReschedule() {
    if (closed) {
      return;
    }
    if (next != null) {
      next.cancel(false);
    }
    // the one rule that bounds the REST load: polls start at least FAST_POLL_MS apart, however
    // many refreshes were asked for and whenever the scheduled poll falls due
    long sinceLastMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastPollStartNanos);
    if (sinceLastMs < FAST_POLL_MS) {
      next =
          thread.schedule(
              this::pollAndReschedule, FAST_POLL_MS - sinceLastMs, TimeUnit.MILLISECONDS);
      return;
    }
    lastPollStartNanos = System.nanoTime();
    try {
      poll();
    } catch (RuntimeException e) {
      log.error("{} - unexpected failure while reading the topology", name, e);
    }
    if (!closed) {
      long delay = System.nanoTime() < fastUntilNanos ? FAST_POLL_MS : refreshMs;
      next = thread.schedule(this::pollAndReschedule, delay, TimeUnit.MILLISECONDS);
    }
  }

  private void poll() {
    List<String> all = endpoints;
    List<String> failures = new ArrayList<>();
    ClusterTopology fetched = null;
    String answered = null;
    long now = System.nanoTime();
    // Endpoints that went silent lately are tried last, so one hung member costs one timeout per
    // SKIP_SILENT_ENDPOINT, not one per poll.
    List<String> order = new ArrayList<>();
    List<String> silent = new ArrayList<>();
    for (int i = 0; i < all.size(); i++) {
      String endpoint = all.get((cursor + i) % all.size());
      (silentUntil.getOrDefault(endpoint, 0L) - now > 0 ? silent : order).add(endpoint);
    }
    order.addAll(silent);
    for (String endpoint : order) {
      long started = System.nanoTime();
      boolean told = false;
      try {
        ClusterTopology answer = rest.fetchCluster(endpoint);
        tellRestRequest(endpoint, started, true);
        told = true;
        answer = withScope(answer, endpoint);
        silentUntil.remove(endpoint);
        Optional<String> untrusted = whyUntrusted(answer);
        if (untrusted.isPresent()) {
          failures.add(endpoint + ": " + untrusted.get());
          if (warnedUntrusted.add(endpoint + untrusted.get())) {
            log.warn("{} - ignoring the answer of {}: {}", name, endpoint, untrusted.get());
          }
          continue;
        }
        fetched = answer;
        cursor = (all.indexOf(endpoint) + 1) % all.size();
        break;
      } catch (IOException | RuntimeException e) {
        if (!told) {
          tellRestRequest(endpoint, started, false);
        }
        silentUntil.put(endpoint, System.nanoTime() + SKIP_SILENT_ENDPOINT.toNanos());
        failures.add(endpoint + ": " + e.getMessage());
        log.debug("{} - {} did not answer: {}", name, endpoint, e.toString());
      }
    }
    if (fetched == null) {
      onRestUnreachable(failures);
      return;
    }
    accept(fetched);
  }

  /**
   * Why an answer cannot be trusted, or empty: it comes from another cluster (scope), or it names a
   * leader on an older timeline than one already seen (a stale or split view).
   */
  private Optional<String> whyUntrusted(ClusterTopology answer) {
    if (!pinnedScope.isEmpty()
        && !answer.scope().isEmpty()
        && !pinnedScope.equals(answer.scope())) {
      return Optional.of(
          "it is a member of cluster '"
              + answer.scope()
              + "', not '"
              + pinnedScope
              + "' (set patroniScope, or patroniUrls, to the cluster you mean)");
    }
    long timeline = answer.leader().map(ClusterMember::timeline).orElse(-1L);
    if (timeline >= 0 && timeline < highestLeaderTimeline) {
      return Optional.of(
          "it names leader "
              + answer.leader().get().name()
              + " on timeline "
              + timeline
              + ", older than timeline "
              + highestLeaderTimeline
              + " seen before");
    }
    return Optional.empty();
  }

  /** Patroni before 3.2 does not put the scope in /cluster: ask each endpoint's /patroni once. */
  private ClusterTopology withScope(ClusterTopology topology, String endpoint) {
    if (!topology.scope().isEmpty()) {
      return topology;
    }
    String known = scopes.get(endpoint);
    Long triedAt = scopeTriedAt.get(endpoint);
    if (known == null && (triedAt == null || System.nanoTime() - triedAt > SCOPE_RETRY.toNanos())) {
      long started = System.nanoTime();
      scopeTriedAt.put(endpoint, started);
      try {
        known = rest.fetchScope(endpoint);
        tellRestRequest(endpoint, started, true);
        scopes.put(endpoint, known);
      } catch (IOException e) {
        tellRestRequest(endpoint, started, false);
        log.debug("{} - no scope from {}/patroni: {}", name, endpoint, e.toString());
      }
    }
    return known == null
        ? topology
        : new ClusterTopology(known, topology.members(), topology.observedAt(), topology.source());
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
      if (last != null) {
        log.warn(
            "{} - no Patroni REST API answers ({}); routing from the last topology, read at {}",
            name,
            String.join("; ", failures),
            last.observedAt());
      } else {
        log.warn("{} - no Patroni REST API answers ({})", name, String.join("; ", failures));
      }
    }
  }

  private void accept(ClusterTopology topology) {
    if (!topology.scope().isEmpty()) {
      name = topology.scope();
      if (pinnedScope.isEmpty()) {
        pinnedScope = topology.scope(); // the first answer's cluster is the one we follow
      }
    }
    long timeline = topology.leader().map(ClusterMember::timeline).orElse(-1L);
    if (timeline > highestLeaderTimeline) {
      highestLeaderTimeline = timeline;
      highestTimelineSince = System.nanoTime();
    }
    if (System.nanoTime() - highestTimelineSince >= TIMELINE_SETTLES.toNanos()
        || settledTimeline < 0) {
      settledTimeline = highestLeaderTimeline;
    }
    topology = topology.withSettledTimeline(settledTimeline);
    ClusterTopology previous = current.getAndSet(topology);
    boolean recovered = restUnreachable();
    signalPolled(() -> restUnreachable = false);
    if (recovered) {
      log.info("{} - Patroni REST API answers again", name);
    }
    trackLeader(topology);
    if (discoverMembers) {
      discoverEndpoints(topology);
    }
    log.debug("{} - topology {}", name, topology);
    Optional<TopologyChange> change = TopologyDiff.between(previous, topology);
    if (change.isEmpty()) {
      return;
    }
    for (TopologyEvent event : change.get().events()) {
      log.info("{} - {}", name, event.detail());
    }
    for (TopologyListener listener : listeners) {
      try {
        listener.onTopologyChange(change.get());
      } catch (RuntimeException e) {
        log.error("{} - topology listener {} failed", name, listener, e);
      }
    }
  }

  private void tellRestRequest(String endpoint, long startedNanos, boolean answered) {
    Duration took = Duration.ofNanos(System.nanoTime() - startedNanos);
    for (TopologyListener listener : listeners) {
      try {
        listener.onRestRequest(endpoint, took, answered);
      } catch (RuntimeException e) {
        log.error("{} - topology listener {} failed", name, listener, e);
      }
    }
  }

  private void trackLeader(ClusterTopology topology) {
    String leader = topology.leader().map(ClusterMember::name).orElse("");
    if (leader.isEmpty()) {
      // no leader: a failover is under way, so look often until one appears
      fastUntilNanos = System.nanoTime() + FAST_MODE_LIMIT.toNanos();
      stableLeaderPolls = 0;
    } else if (leader.equals(lastLeader)) {
      if (++stableLeaderPolls >= STABLE_POLLS) {
        fastUntilNanos = 0;
      }
    } else {
      stableLeaderPolls = 1;
    }
    lastLeader = leader;
  }

  /** Adds the REST APIs of members the URL did not list (same scheme only: never https -> http). */
  private void discoverEndpoints(ClusterTopology topology) {
    Set<String> merged = new LinkedHashSet<>(key.endpoints());
    String scheme = key.security().usesTls() ? "https://" : "http://";
    for (ClusterMember m : topology.members()) {
      if (m.apiUrl().startsWith(scheme)) {
        merged.add(m.apiUrl());
      }
    }
    if (!merged.equals(new LinkedHashSet<>(endpoints))) {
      endpoints = List.copyOf(merged);
    }
  }
}
