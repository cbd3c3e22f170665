package org.patronijdbc.testkit;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A member's Patroni configuration, the same for processes and containers but for the addresses and
 * paths in {@link Layout}. It is a map written as JSON: JSON is valid YAML, so no value ever needs
 * YAML quoting.
 */
final class MemberConfig {

  static final String REPLICATION_USER = "replicator";
  static final String REWIND_USER = "rewinder";

  /**
   * Where a member listens and is reached, where its files are, and its DCS.
   *
   * @param listenHost the address PostgreSQL and the REST API listen on
   * @param connectHost the address the other members (and Patroni's /cluster) reach it at
   * @param clients the CIDR pg_hba.conf lets in (md5)
   * @param etcd etcd's {@code host:port}
   * @param patroniMajor Patroni's major version: 4 and later use etcd's v3 API
   * @param tls the REST API's certificates, or null for http
   */
  record Layout(
      String listenHost,
      String connectHost,
      int pgPort,
      int restPort,
      String clients,
      String dataDir,
      String binDir,
      String runDir,
      String etcd,
      int patroniMajor,
      RestTls tls) {}

  private MemberConfig() {}

  static Map<String, Object> render(
      ClusterSettings settings, String scope, String name, Layout layout) {
    Map<String, Object> dcsPostgres = new LinkedHashMap<>();
    dcsPostgres.put("use_pg_rewind", true);
    dcsPostgres.put("parameters", settings.postgresParameters());
    Map<String, Object> dcs = new LinkedHashMap<>();
    dcs.put("ttl", settings.ttl());
    dcs.put("loop_wait", settings.loopWait());
    dcs.put("retry_timeout", settings.retryTimeout());
    // Under quorum commit Patroni's default synchronous_node_count (1) is kept on purpose: every
    // caught-up replica becomes a quorum standby and a commit waits for ANY 1 of them, the shape
    // Patroni's docs describe; more would make each commit wait for every replica of a 3-member
    // cluster.
    dcs.put("synchronous_mode", settings.synchronousModeSetting());
    dcs.put("primary_start_timeout", settings.primaryStartTimeout());
    dcs.put("postgresql", dcsPostgres);

    Map<String, Object> bootstrap = new LinkedHashMap<>();
    bootstrap.put("dcs", dcs);
    bootstrap.put("initdb", List.of(Map.of("encoding", "UTF8"), Map.of("auth", "md5")));
    bootstrap.put(
        "pg_hba",
        List.of(
            "local all all trust",
            "host replication " + REPLICATION_USER + " " + layout.clients() + " md5",
            "host all all " + layout.clients() + " md5"));

    Map<String, Object> postgresql = new LinkedHashMap<>();
    postgresql.put("listen", layout.listenHost() + ":" + layout.pgPort());
    postgresql.put("connect_address", layout.connectHost() + ":" + layout.pgPort());
    postgresql.put("data_dir", layout.dataDir());
    postgresql.put("bin_dir", layout.binDir());
    postgresql.put("pgpass", layout.runDir() + "/pgpass");
    String password = PatroniCluster.PASSWORD;
    postgresql.put(
        "authentication",
        Map.of(
            "superuser", Map.of("username", PatroniCluster.SUPERUSER, "password", password),
            "replication", Map.of("username", REPLICATION_USER, "password", password),
            "rewind", Map.of("username", REWIND_USER, "password", password)));
    postgresql.put("parameters", Map.of("unix_socket_directories", layout.runDir()));

    Map<String, Object> root = new LinkedHashMap<>();
    root.put("scope", scope);
    root.put("name", name);
    Map<String, Object> restapi = new LinkedHashMap<>();
    restapi.put("listen", layout.listenHost() + ":" + layout.restPort());
    restapi.put("connect_address", layout.connectHost() + ":" + layout.restPort());
    RestTls tls = layout.tls();
    if (tls != null) {
      // the same certificate serves the API and, as Patroni's client certificate, calls the others
      restapi.put("certfile", tls.serverCert.toString());
      restapi.put("keyfile", tls.serverKey.toString());
      restapi.put("cafile", tls.ca.toString());
      restapi.put("verify_client", "required");
    }
    root.put("restapi", restapi);
    // Patroni 3 on etcd's v2 API, not etcd3: Patroni 3.0.2 (Debian 12) renews the leader key over
    // etcd3 with an unconditional put, so a leader thawed after its lease expired can take the key
    // back from the new leader (patroni/patroni#2689, fixed in 3.0.3). Over v2 the renewal compares
    // the value. Patroni 4 uses etcd3, as its users do.
    root.put(layout.patroniMajor() >= 4 ? "etcd3" : "etcd", Map.of("hosts", layout.etcd()));
    root.put("bootstrap", bootstrap);
    root.put("postgresql", postgresql);
    root.put("tags", settings.tagsOf(name));
    return root;
  }
}
