package org.patronijdbc.testkit;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** Configures and starts a {@link PatroniCluster}; from {@link PatroniCluster#builder()}. */
public final class PatroniClusterBuilder {

  /** The environment variable naming the default {@link #baseImage}. */
  public static final String BASE_IMAGE_ENV = "PATRONI_TESTKIT_BASE_IMAGE";

  private int members = 3;
  private int ttl = 10;
  private int loopWait = 1;
  private int retryTimeout = 5;
  private boolean synchronousMode;
  private boolean quorumCommit;
  private int primaryStartTimeout;
  private boolean restTls;
  private final Map<String, Map<String, Object>> tags = new HashMap<>();
  private final Map<String, String> postgresParameters = new HashMap<>();
  private Path patroni;
  private String baseImage =
      Optional.ofNullable(System.getenv(BASE_IMAGE_ENV))
          .filter(image -> !image.isBlank())
          .orElse("debian:bookworm");

  PatroniClusterBuilder() {
    postgresParameters.put("max_connections", "200");
    postgresParameters.put("wal_keep_size", "256MB");
  }

  /** Number of members at start (default 3). */
  public PatroniClusterBuilder members(int members) {
    if (members < 1) {
      throw new IllegalArgumentException("a cluster needs at least one member, got " + members);
    }
    this.members = members;
    return this;
  }

  /** Patroni's leader-key TTL in seconds (default 10). */
  public PatroniClusterBuilder ttl(int seconds) {
    this.ttl = seconds;
    return this;
  }

  /** Patroni's loop_wait in seconds (default 1). */
  public PatroniClusterBuilder loopWait(int seconds) {
    this.loopWait = seconds;
    return this;
  }

  /** Patroni's retry_timeout in seconds (default 5). */
  public PatroniClusterBuilder retryTimeout(int seconds) {
    this.retryTimeout = seconds;
    return this;
  }

  /** Patroni's synchronous_mode (default off). */
  public PatroniClusterBuilder synchronousMode(boolean on) {
    this.synchronousMode = on;
    return this;
  }

  /**
   * Patroni 4's quorum commit ({@code synchronous_mode: quorum}, default off): every caught-up
   * replica without {@code nosync} becomes a {@code quorum_standby} and a commit waits for any one
   * of them (Patroni's default {@code synchronous_node_count} of 1). It is a synchronous mode of
   * its own: {@link #synchronousMode} does not matter when it is on. {@link #start()} fails at once
   * with an {@link IllegalStateException} on Patroni 3.
   */
  public PatroniClusterBuilder quorumCommit(boolean on) {
    this.quorumCommit = on;
    return this;
  }

  /**
   * Patroni's primary_start_timeout in seconds. testkit's default is 0, unlike Patroni's 300: a
   * crashed leader then fails over to a replica instead of restarting in place, so {@link
   * PatroniCluster#crash} exercises a real failover. Set 300 to test Patroni's default.
   */
  public PatroniClusterBuilder primaryStartTimeout(int seconds) {
    this.primaryStartTimeout = seconds;
    return this;
  }

  /**
   * Serves every member's REST API over https with {@code verify_client: required} (mutual TLS),
   * from certificates testkit makes with {@code openssl}. {@link PatroniCluster#jdbcUrl} then names
   * the CA, client certificate and key ({@code patroniSslRootCert}, {@code patroniSslCert}, {@code
   * patroniSslKey}).
   */
  public PatroniClusterBuilder restApiTls() {
    this.restTls = true;
    return this;
  }

  /** A Patroni tag on one member, e.g. {@code tag("n3", "noloadbalance", true)}. */
  public PatroniClusterBuilder tag(String member, String key, Object value) {
    tags.computeIfAbsent(member, m -> new HashMap<>()).put(key, value);
    return this;
  }

  /** An extra PostgreSQL parameter, set cluster-wide through the DCS. */
  public PatroniClusterBuilder postgresParameter(String name, String value) {
    postgresParameters.put(name, value);
    return this;
  }

  /**
   * The Patroni to run (its {@code patroni} launcher), instead of {@code $PATRONI_TESTKIT_PATRONI}
   * or the one on {@code PATH}. Patroni 4 and later use etcd's v3 API; Patroni 3 uses v2 (3.0.2
   * renews the leader key over v3 with an unconditional put: patroni/patroni#2689).
   */
  public PatroniClusterBuilder patroni(Path launcher) {
    this.patroni = launcher;
    return this;
  }

  /**
   * Starts the cluster as local processes ({@link LocalPatroniCluster}) of the installed Debian
   * packages and waits until it is healthy.
   *
   * @throws IllegalStateException when a binary is missing (the message names the apt packages),
   *     {@link #quorumCommit} is asked of Patroni 3, or the cluster does not become healthy in time
   *     (the message holds the member logs)
   */
  public LocalPatroniCluster start() {
    return LocalPatroniCluster.start(settings());
  }

  /**
   * The image the container cluster's image is built on (default {@code
   * $PATRONI_TESTKIT_BASE_IMAGE}, else {@code debian:bookworm}): a Debian release (or one derived
   * from it) whose packages {@code postgresql}, {@code patroni}, {@code etcd-server} and {@code
   * iptables} work together ({@code debian:trixie}: PostgreSQL 17 and Patroni 4.0; {@code
   * debian:sid}: PostgreSQL 18 and Patroni 4.1). Only for {@link #startInContainers()}.
   */
  public PatroniClusterBuilder baseImage(String image) {
    this.baseImage = java.util.Objects.requireNonNull(image, "image");
    return this;
  }

  /**
   * Starts the cluster in Docker containers ({@link ContainerPatroniCluster}) and waits until it is
   * healthy. The first call on a Docker daemon builds testkit's image on {@link #baseImage} (about
   * 20 s); later calls find it.
   *
   * @throws IllegalStateException when Docker cannot be reached, {@link #quorumCommit} is asked of
   *     a Patroni older than 4, or the cluster does not become healthy in time (the message holds
   *     the member logs)
   * @throws IllegalArgumentException for {@link #restApiTls()} or {@link #patroni(Path)}, which
   *     only a cluster of processes supports
   */
  public ContainerPatroniCluster startInContainers() {
    return ContainerPatroniCluster.start(settings(), baseImage);
  }

  private ClusterSettings settings() {
    return new ClusterSettings(
        members,
        ttl,
        loopWait,
        retryTimeout,
        synchronousMode,
        quorumCommit,
        primaryStartTimeout,
        restTls,
        tags,
        postgresParameters,
        patroni);
  }
}
