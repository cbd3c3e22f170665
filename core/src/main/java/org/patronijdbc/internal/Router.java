package org.patronijdbc.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToIntFunction;
import org.patronijdbc.routing.ReplicaSelection;
import org.patronijdbc.routing.TargetServerType;
import org.patronijdbc.topology.ClusterMember;
import org.patronijdbc.topology.ClusterTopology;

/**
 * Decides, from one topology snapshot, which members a connection of one target type may go to and
 * in which order. The split into fit and unfit members is computed once per snapshot and kept
 * (every connect, pool checkout, reroute, metric and health check of the snapshot reads the same
 * one); each route then only takes its turn in the rotation. Pure: no I/O, no waiting.
 */
public final class Router {

  private final TargetServerType target;
  private final OptionalLong maxLagBytes;
  private final boolean readFallbackToPrimary;
  private final ReplicaSelection selection;
  private final ToIntFunction<String> openConnections;
  private final AtomicInteger turn = new AtomicInteger();
  private final AtomicLong computations = new AtomicLong();
  private volatile Split split;

  /**
   * A router.
   *
   * @param openConnections connections this JVM holds open per member name (for {@link
   *     ReplicaSelection#LEAST_CONNECTIONS})
   */
  public Router(
      TargetServerType target,
      OptionalLong maxLagBytes,
      boolean readFallbackToPrimary,
      ReplicaSelection selection,
      ToIntFunction<String> openConnections) {
    this.target = target;
    this.maxLagBytes = maxLagBytes;
    this.readFallbackToPrimary = readFallbackToPrimary;
    this.selection = selection;
    this.openConnections = openConnections;
  }

  /** The target type this router serves. */
  public TargetServerType target() {
    return target;
  }

  /** The members to try, in order, and why the others were left out; takes a turn. */
  public Route route(ClusterTopology topology) {
    return route(topology, true);
  }

  /**
   * As {@link #route(ClusterTopology)}; without {@code takeTurn} the rotation stays where it is
   * (for callers that only want to know who is fit, such as pools following the topology).
   */
  public Route route(ClusterTopology topology, boolean takeTurn) {
    Split s = split(topology);
    List<ClusterMember> ordered = takeTurn ? select(s.readers) : s.readers;
    List<ClusterMember> candidates = new ArrayList<>();
    Optional<ClusterMember> fallback = Optional.empty();
    switch (target) {
      case PRIMARY -> s.leader.ifPresent(candidates::add);
      case PREFER_PRIMARY -> {
        s.leader.ifPresent(candidates::add);
        candidates.addAll(ordered);
      }
      case REPLICA, SYNC_REPLICA -> {
        candidates.addAll(ordered);
        fallback = readFallbackToPrimary ? s.leader : Optional.empty();
      }
      case PREFER_REPLICA -> {
        candidates.addAll(ordered);
        fallback = s.leader;
      }
      case ANY -> {
        candidates.addAll(ordered);
        s.leader.ifPresent(l -> candidates.add(turn.get() % (candidates.size() + 1), l));
      }
    }
    return new Route(candidates, fallback, s.unfit);
  }

  /** How many times a split was computed (once per snapshot; for tests). */
  public long computations() {
    return computations.get();
  }

  /** The split of {@code topology}, computed on its first use and kept for the next ones. */
  private Split split(ClusterTopology topology) {
    Split s = split;
    if (s != null && s.topology == topology) {
      return s;
    }
    s = compute(topology);
    split = s;
    return s;
  }

  private Split compute(ClusterTopology topology) {
    computations.incrementAndGet();
    List<String> unfit = new ArrayList<>();
    Optional<ClusterMember> leader = Optional.empty();
    List<ClusterMember> readers = new ArrayList<>();
    TargetServerType reads = target.isReplicaRead() ? target : TargetServerType.REPLICA;
    for (ClusterMember m : topology.members()) {
      Optional<String> notWritable = Fitness.whyNotWritable(m, topology);
      Optional<String> notReadable = Fitness.whyNotReadable(reads, m, topology, maxLagBytes);
      if (notWritable.isEmpty()) {
        leader = Optional.of(m);
      }
      if (notReadable.isEmpty()) {
        readers.add(m);
      }
      Optional<String> why =
          switch (target) {
            case PRIMARY -> notWritable;
            case REPLICA, SYNC_REPLICA, PREFER_REPLICA -> notReadable;
            case PREFER_PRIMARY, ANY -> notWritable.isPresent() ? notReadable : Optional.empty();
          };
      why.ifPresent(w -> unfit.add(m.name() + ": " + w));
    }
    if (leader.isEmpty()) {
      unfit.add("no running leader");
    }
    return new Split(topology, leader, List.copyOf(readers), List.copyOf(unfit));
  }

  /** One snapshot's fit leader and readers, and why the others are unfit. */
  private record Split(
      ClusterTopology topology,
      Optional<ClusterMember> leader,
      List<ClusterMember> readers,
      List<String> unfit) {}

  private List<ClusterMember> select(List<ClusterMember> fit) {
    if (fit.size() < 2) {
      return fit;
    }
    int start =
        switch (selection) {
          case ROUND_ROBIN -> Math.floorMod(turn.getAndIncrement(), fit.size());
          case RANDOM -> ThreadLocalRandom.current().nextInt(fit.size());
          case LEAST_CONNECTIONS -> Math.floorMod(turn.getAndIncrement(), fit.size());
        };
    List<ClusterMember> rotated = new ArrayList<>(fit.subList(start, fit.size()));
    rotated.addAll(fit.subList(0, start));
    if (selection == ReplicaSelection.LEAST_CONNECTIONS) {
      // stable sort: ties keep the round-robin order
      rotated.sort(Comparator.comparingInt(m -> openConnections.applyAsInt(m.name())));
    }
    return rotated;
  }

  /**
   * The outcome of routing.
   *
   * @param candidates members fit for the target, in the order to try them; may be empty
   * @param fallback for replica reads that may fall back: the leader, tried after every candidate
   *     failed to connect, and alone when none is fit
   * @param unfit one line per member left out, with the reason
   */
  public record Route(
      List<ClusterMember> candidates, Optional<ClusterMember> fallback, List<String> unfit) {

    /** Copies the lists. */
    public Route {
      candidates = List.copyOf(candidates);
      unfit = List.copyOf(unfit);
    }

    /** Every member to try, in order: the candidates, then the fallback. */
    public List<ClusterMember> all() {
      List<ClusterMember> all = new ArrayList<>(candidates);
      fallback.ifPresent(all::add);
      return all;
    }

    /** Whether {@code member} is among {@link #all()}. */
    public boolean includes(String member) {
      return all().stream().anyMatch(m -> m.name().equals(member));
    }

    /** Whether only the fallback is left: no member is fit, the leader serves the reads. */
    public boolean onlyFallback() {
      return candidates.isEmpty() && fallback.isPresent();
    }

    /** Whether {@code member} would be reached as the fallback rather than as a fit member. */
    public boolean isFallback(ClusterMember member) {
      return isFallback(member.name());
    }

    /** Whether the member called {@code member} would be reached as the fallback. */
    public boolean isFallback(String member) {
      return fallback.map(f -> f.name().equals(member)).orElse(false)
          && candidates.stream().noneMatch(c -> c.name().equals(member));
    }
  }
}
