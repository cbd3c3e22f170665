package org.patronijdbc.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What the URL's host names resolve to, looked up on the library's background threads, so that no
 * connect and no poll waits on a slow resolver past its own bound. A name that resolved before
 * answers at once with its last addresses and is looked up again, in the background, once a minute;
 * a lookup that fails keeps them (a DNS blip refuses nobody). A name never resolved is waited for,
 * at most as long as the caller may wait, has no address until a lookup succeeds, and is looked up
 * again a second after a lookup failed.
 */
public final class HostLookups {

  /** Looks up one host name (never an IP literal). */
  interface Resolver {
    Set<String> addresses(String host) throws UnknownHostException;
  }

  /** The system resolver's, shared by the JVM's data sources (the URLs' names: a bounded set). */
  public static final HostLookups SYSTEM =
      new HostLookups(HostLookups::system, Logins::background, TimeUnit.MINUTES.toNanos(1));

  /** How soon a name never resolved is looked up again after a lookup that failed. */
  private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final Resolver resolver;
  private final Executor executor;
  private final long refreshNanos;
  private final Map<String, Name> names = new ConcurrentHashMap<>();

  HostLookups(Resolver resolver, Executor executor, long refreshNanos) {
    this.resolver = resolver;
    this.executor = executor;
    this.refreshNanos = refreshNanos;
  }

  /**
   * The addresses the host names among {@code hostPorts} resolve to, by the name as the URL spells
   * it (IP literals are left out: they are what they say), waiting at most {@code waitMs} for names
   * never resolved.
   */
  public Map<String, Set<String>> resolveEach(List<String> hostPorts, long waitMs) {
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, waitMs));
    Map<String, Name> wanted = new LinkedHashMap<>();
    for (String hostPort : hostPorts) {
      String host = hostPort.substring(0, hostPort.lastIndexOf(':'));
      if (HostNames.literal(host) == null && !wanted.containsKey(host)) {
        Name name = names.computeIfAbsent(HostNames.host(host), Name::new);
        name.lookUpIfDue();
        wanted.put(host, name);
      }
    }
    Map<String, Set<String>> byName = new HashMap<>();
    wanted.forEach((host, name) -> byName.put(host, name.addresses(until)));
    return byName;
  }

  /** As {@link #resolveEach}, every name's addresses together. */
  public Set<String> resolve(List<String> hostPorts, long waitMs) {
    Set<String> addresses = new HashSet<>();
    resolveEach(hostPorts, waitMs).values().forEach(addresses::addAll);
    return addresses;
  }

  private static Set<String> system(String host) throws UnknownHostException {
    Set<String> addresses = new HashSet<>();
    for (InetAddress a : InetAddress.getAllByName(host)) {
      addresses.add(a.getHostAddress());
    }
    return addresses;
  }

  /** One host name: what it last resolved to, and the lookup under way. */
  private final class Name {
    private final String host;
    private volatile Set<String> addresses; // null until a lookup succeeded
    private long startedAt; // guarded by this
    private CompletableFuture<Void> lookup; // guarded by this; null once none ever started

    Name(String host) {
      this.host = host;
    }

    synchronized void lookUpIfDue() {
      long now = System.nanoTime();
      long every = addresses == null ? Math.min(refreshNanos, RETRY_NANOS) : refreshNanos;
      if (lookup != null && (!lookup.isDone() || now - startedAt < every)) {
        return;
      }
      startedAt = now;
      CompletableFuture<Void> started = new CompletableFuture<>();
      lookup = started;
      try {
        executor.execute(() -> lookUp(started));
      } catch (RuntimeException e) {
        started.complete(null); // no thread to look it up: the last addresses stay
      }
    }

    private void lookUp(CompletableFuture<Void> done) {
      try {
        addresses = Set.copyOf(resolver.addresses(host));
      } catch (UnknownHostException | RuntimeException e) {
        // a lookup that fails keeps the last addresses
      } finally {
        done.complete(null);
      }
    }

    /** The last addresses; for a name never resolved, after its lookup or at {@code until}. */
    Set<String> addresses(long until) {
      Set<String> last = addresses;
      if (last != null) {
        return last;
      }
      CompletableFuture<Void> pending;
      synchronized (this) {
        pending = lookup;
      }
      try {
        pending.get(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        // not resolved within the caller's bound: no address for now
      }
      last = addresses;
      return last != null ? last : Set.of();
    }
  }
}
