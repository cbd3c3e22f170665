package org.patronijdbc.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.patronijdbc.hikari.PatroniHikariDataSource;
import org.patronijdbc.testkit.Member;
import org.patronijdbc.testkit.PatroniCluster;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The compared methods on one cluster, each with pools of the same size and otherwise default
 * settings, as an application would configure them. Closing closes every pool.
 */
final class Methods implements AutoCloseable {

  private final PatroniCluster cluster;
  private final List<AutoCloseable> pools = new ArrayList<>();

  Methods(PatroniCluster cluster) {
    this.cluster = cluster;
  }

  /**
   * patroni-jdbc: {@code PatroniHikariDataSource} for writes, its {@code readOnly()} for reads,
   * replicas lagging past {@link Scenario#LAG_LIMIT} kept out of reads; {@code params} add to the
   * URL.
   */
  Method patroniJdbc(int writePool, int readPool, String... params) {
    return patroniJdbc(Method.PATRONI, writePool, readPool, params);
  }

  /** As {@link #patroniJdbc(int, int, String...)}, under another name. */
  Method patroniJdbc(String name, int writePool, int readPool, String... params) {
    return patroniJdbcOn(name, url(params), writePool, readPool);
  }

  /**
   * patroni-jdbc as {@link #patroniJdbc(int, int, String...)}, its REST requests through {@code
   * proxies} only ({@code discoverMembers=false}).
   */
  Method patroniJdbcThrough(String name, List<CountingProxy> proxies, int writePool, int readPool) {
    String urls =
        proxies.stream().map(p -> "http://127.0.0.1:" + p.port()).collect(Collectors.joining(","));
    return patroniJdbcOn(
        name, url("discoverMembers=false", "patroniUrls=" + urls), writePool, readPool);
  }

  private String url(String... params) {
    List<String> all = new ArrayList<>(List.of("maxReplicationLag=" + Scenario.LAG_LIMIT));
    all.addAll(List.of(params));
    return cluster.jdbcUrl("postgres", all.toArray(String[]::new));
  }

  private Method patroniJdbcOn(String name, String url, int writePool, int readPool) {
    HikariConfig config = config(url, writePool);
    PatroniHikariDataSource ds = new PatroniHikariDataSource(config, readPool);
    pools.add(ds);
    return new Method(name, ds, ds.readOnly());
  }

  /** Hikari over pgjdbc multi-host URLs: {@code primary}; {@code preferSecondary}, balanced. */
  Method multiHost(int writePool, int readPool) {
    return new Method(
        Method.MULTI_HOST,
        hikari(cluster.multiHostJdbcUrl("postgres", "targetServerType=primary"), writePool),
        hikari(
            cluster.multiHostJdbcUrl(
                "postgres", "targetServerType=preferSecondary", "loadBalanceHosts=true"),
            readPool));
  }

  /** Hikari through HAProxy's write and read listeners. */
  Method haproxy(Haproxy haproxy, int writePool, int readPool) {
    return new Method(
        Method.HAPROXY,
        hikari("jdbc:postgresql://127.0.0.1:" + haproxy.writePort + "/postgres", writePool),
        hikari("jdbc:postgresql://127.0.0.1:" + haproxy.readPort + "/postgres", readPool));
  }

  /**
   * A lower bound no pool can beat by knowing more: a fresh connection per operation, pgjdbc
   * checking every node's role each time ({@code hostRecheckSeconds=0}).
   */
  Method oracle() {
    return new Method(
        Method.ORACLE,
        unpooled("targetServerType=primary"),
        unpooled("targetServerType=preferSecondary", "loadBalanceHosts=true"));
  }

  /**
   * Hikari + pgjdbc straight to today's leader, and to the replicas in turn (one pool each, {@code
   * readPool} shared among them, as every other method holds {@code readPool} read sessions in
   * all): the steady-state baseline ({@link Method#DIRECT}) or its control ({@link
   * Method#CONTROL}).
   */
  Method direct(String name, int writePool, int readPool) {
    List<DataSource> replicas = new ArrayList<>();
    int each = Math.max(1, readPool / cluster.replicas().size());
    for (Member replica : cluster.replicas()) {
      replicas.add(hikari(url(replica), each));
    }
    return new Method(name, hikari(url(cluster.leader()), writePool), new RoundRobin(replicas));
  }

  private static String url(Member member) {
    return "jdbc:postgresql://" + member.host() + ":" + member.pgPort() + "/postgres";
  }

  private DataSource unpooled(String... params) {
    List<String> all = new ArrayList<>(List.of(params));
    // socketTimeout bounds the startup on a hung node, so pgjdbc moves on to the next host;
    // loginTimeout covers the whole multi-host attempt, so it must outlast all of them; with
    // sslmode=prefer (the default) pgjdbc would retry a timed-out host once more without TLS
    all.addAll(
        List.of(
            "hostRecheckSeconds=0",
            "connectTimeout=2",
            "socketTimeout=2",
            "loginTimeout=10",
            "sslmode=disable"));
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setURL(cluster.multiHostJdbcUrl("postgres", all.toArray(String[]::new)));
    ds.setUser(PatroniCluster.SUPERUSER);
    ds.setPassword(PatroniCluster.PASSWORD);
    return ds;
  }

  private DataSource hikari(String url, int size) {
    HikariDataSource ds = new HikariDataSource(config(url, size));
    pools.add(ds);
    return ds;
  }

  /** A Hikari config for {@code url} as the testkit superuser, otherwise at Hikari's defaults. */
  static HikariConfig config(String url, int size) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setUsername(PatroniCluster.SUPERUSER);
    config.setPassword(PatroniCluster.PASSWORD);
    config.setMaximumPoolSize(size);
    return config;
  }

  @Override
  public void close() throws Exception {
    for (AutoCloseable pool : pools) {
      pool.close();
    }
    pools.clear();
  }
}
