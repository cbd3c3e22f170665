package org.patronijdbc.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.patronijdbc.topology.ClusterMember;
import org.patronijdbc.topology.ClusterTopology;

/**
 * Where the library reaches a member: where the user said, else where Patroni reports it. In order:
 * the {@code memberAddresses} entry for its name or its reported {@code host:port}; its reported
 * {@code host:port} when the URL lists it; the URL's one port on its host, when the URL lists that
 * host (by name, or by an address the name resolves to) with a single port and Patroni reports a
 * single member there (a PgBouncer or a tunnel beside each member; several members on one host keep
 * matching by {@code host:port}); else the reported address. Pure, but for {@code resolved}.
 */
public final class MemberAddresses {

  private final Map<String, String> explicit;
  private final List<String> urlHosts;
  private final Map<String, Set<String>> resolved;

  /**
   * @param resolved the addresses each URL host name resolves to, by the name as the URL spells it
   */
  public MemberAddresses(PatroniConfig config, Map<String, Set<String>> resolved) {
    this.explicit = config.memberAddresses();
    this.urlHosts = config.hosts();
    this.resolved = Map.copyOf(resolved);
  }

  /** The {@code host:port} to connect to for {@code member} of {@code topology}. */
  public String of(ClusterMember member, ClusterTopology topology) {
    String mapped = explicit.get(member.name());
    if (mapped == null) {
      mapped = explicit.get(member.address());
    }
    if (mapped != null) {
      return mapped;
    }
    if (urlHosts.contains(member.address())) {
      return member.address();
    }
    String host = HostNames.canonical(member.host());
    List<String> urlForHost = new ArrayList<>();
    for (String hostPort : urlHosts) {
      String urlHost = hostPort.substring(0, hostPort.lastIndexOf(':'));
      if (HostNames.canonical(urlHost).equals(host)
          || resolved.getOrDefault(urlHost, Set.of()).contains(host)) {
        urlForHost.add(hostPort);
      }
    }
    long onHost =
        topology.members().stream().filter(m -> HostNames.canonical(m.host()).equals(host)).count();
    return urlForHost.size() == 1 && onHost == 1 ? urlForHost.get(0) : member.address();
  }

  /** Whether the library reaches {@code member} elsewhere than where Patroni reports it. */
  public boolean isRedirected(ClusterMember member, ClusterTopology topology) {
    return !of(member, topology).equals(member.address());
  }
}
