package org.patronijdbc.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.patronijdbc.topology.ClusterMember;

/**
 * Which hosts a REST answer may send connections to: the URL's own hosts (by name, or by an address
 * a name resolves to, so a URL with DNS names works where Patroni reports IP addresses), members
 * the user mapped in {@code memberAddresses}, and, with {@code discoverMembers} on, hosts that
 * {@code memberHosts} allows (host names, {@code *.suffix} wildcards, CIDR ranges) or any host when
 * every answer comes from a configured https endpoint whose certificate was verified. Anything else
 * is refused: a REST answer can only choose among the hosts the user allowed, as HAProxy's and
 * pgjdbc's configurations do. Pure but for {@link #now}, which asks {@link HostLookups} what the
 * URL's names resolve to.
 */
public final class MemberTrust {

  private final Set<String> listedHosts;
  private final Set<String> listedAddresses;
  private final List<HostPattern> patterns;
  private final Set<String> mapped;
  private final boolean discover;
  private final boolean verifiedAnswers;

  private MemberTrust(
      Set<String> listedHosts,
      Set<String> listedAddresses,
      List<HostPattern> patterns,
      Set<String> mapped,
      boolean discover,
      boolean verifiedAnswers) {
    this.listedHosts = listedHosts;
    this.listedAddresses = listedAddresses;
    this.patterns = patterns;
    this.mapped = mapped;
    this.discover = discover;
    this.verifiedAnswers = verifiedAnswers;
  }

  /**
   * The rule for a monitor's configuration with what the URL's names resolve to now ({@link
   * HostLookups}, waiting at most {@code waitMs} for a name never resolved): {@code last} itself
   * while those addresses are unchanged.
   */
  static MemberTrust now(MonitorKey key, MemberTrust last, long waitMs) {
    Set<String> resolved = HostLookups.SYSTEM.resolve(key.hosts(), waitMs);
    Set<String> addresses = new HashSet<>();
    resolved.forEach(a -> addresses.add(HostNames.canonical(a)));
    return last != null && last.listedAddresses.equals(addresses) ? last : of(key, resolved);
  }

  /**
   * The rule for a monitor's configuration, with {@code resolved}: the addresses the URL's host
   * names resolve to now.
   */
  static MemberTrust of(MonitorKey key, Set<String> resolved) {
    Set<String> hosts = new HashSet<>();
    for (String hostPort : key.hosts()) {
      hosts.add(HostNames.canonical(hostPort.substring(0, hostPort.lastIndexOf(':'))));
    }
    Set<String> addresses = new HashSet<>();
    resolved.forEach(a -> addresses.add(HostNames.canonical(a)));
    List<HostPattern> patterns = new ArrayList<>();
    for (String entry : key.memberHosts()) {
      patterns.add(HostPattern.of(entry));
    }
    boolean verified =
        !key.endpoints().isEmpty()
            && key.endpoints().stream().allMatch(e -> e.startsWith("https://"));
    return new MemberTrust(
        Set.copyOf(hosts),
        Set.copyOf(addresses),
        List.copyOf(patterns),
        key.memberAddresses().keySet(),
        key.discoverMembers(),
        verified);
  }

  /**
   * Why the library may not connect to {@code member}, or empty when it may: its host is one the
   * URL lists (or resolves to), the user mapped it, or discovery is on and {@code memberHosts} (or
   * a verified https answer) allows it.
   */
  public Optional<String> whyRefused(ClusterMember member) {
    String host = HostNames.canonical(member.host());
    if (listedHosts.contains(host)
        || listedAddresses.contains(host)
        || mapped.contains(member.name())
        || mapped.contains(member.address())) {
      return Optional.empty();
    }
    if (!discover) {
      return Optional.of(
          "its host " + member.host() + " is not in the URL, and discoverMembers=false");
    }
    if (verifiedAnswers) {
      return Optional.empty();
    }
    byte[] address = HostNames.literal(host);
    for (HostPattern p : patterns) {
      if (p.matches(host, address)) {
        return Optional.empty();
      }
    }
    return Optional.of(
        "its host "
            + member.host()
            + " is neither in the URL nor allowed by memberHosts (set memberHosts to its name,"
            + " a *.suffix or a CIDR range to use members Patroni reports elsewhere)");
  }

  /** Whether the REST API at {@code endpoint} may be polled (the same rule, for its host). */
  public boolean allowsEndpoint(String endpoint) {
    String authority = endpoint.replaceFirst("^https?://", "");
    String host = authority.substring(0, authority.lastIndexOf(':'));
    ClusterMember probe =
        new ClusterMember(
            "",
            org.patronijdbc.topology.MemberRole.UNKNOWN,
            "",
            host,
            1,
            -1,
            java.util.OptionalLong.empty(),
            Map.of(),
            "");
    return whyRefused(probe).isEmpty();
  }
}
