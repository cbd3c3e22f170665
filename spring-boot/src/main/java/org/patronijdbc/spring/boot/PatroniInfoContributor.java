package org.patronijdbc.spring.boot;

import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.patronijdbc.PatroniDriver;
import org.patronijdbc.hikari.PatroniHikariDataSource;
import org.patronijdbc.topology.ClusterMember;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;

/** {@code patroni} in the info endpoint: the library's version, the cluster and its pools. */
final class PatroniInfoContributor implements InfoContributor {

  private final PatroniHikariDataSource dataSource;

  PatroniInfoContributor(PatroniHikariDataSource dataSource) {
    this.dataSource = dataSource;
  }

  @Override
  public void contribute(Info.Builder builder) {
    Map<String, Object> info = new LinkedHashMap<>();
    String version = PatroniDriver.class.getPackage().getImplementationVersion();
    info.put("version", version == null ? "unknown" : version);
    try {
      dataSource
          .topology()
          .ifPresent(
              t -> {
                info.put("scope", t.scope());
                info.put("leader", t.leader().map(ClusterMember::name).orElse(""));
                info.put("members", t.members().stream().map(ClusterMember::name).toList());
              });
    } catch (SQLException e) {
      info.put("error", e.getMessage());
    }
    info.put("writePool", dataSource.writePool().getPoolName());
    info.put("readPools", dataSource.readPools().keySet());
    builder.withDetail("patroni", info);
  }
}
