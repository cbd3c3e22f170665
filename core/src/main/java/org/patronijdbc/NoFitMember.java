package org.patronijdbc;

import java.util.Locale;
import java.util.Map;
import org.patronijdbc.internal.PatroniConfig;
import org.patronijdbc.internal.Router;
import org.patronijdbc.routing.TargetServerType;
import org.patronijdbc.topology.ClusterTopology;

/** The message of an 08001: what the topology said and what each attempt met. */
final class NoFitMember {

  private NoFitMember() {}

  static String explain(
      String cluster,
      PatroniConfig config,
      TargetServerType type,
      ClusterTopology topology,
      Router.Route route,
      Map<String, String> failures) {
    StringBuilder sb =
        new StringBuilder("No member of ")
            .append(cluster)
            .append(" could serve targetServerType=")
            .append(type)
            .append(" within failoverTimeoutMs=")
            .append(config.failoverTimeoutMs())
            .append(". ");
    if (topology == null) {
      sb.append("No topology: no Patroni REST API answered at ")
          .append(config.endpoints())
          .append(" and probing found nothing. ");
    } else {
      sb.append("Topology (from ")
          .append(topology.source().name().toLowerCase(Locale.ROOT))
          .append(", read at ")
          .append(topology.observedAt())
          .append("): ");
      if (route != null && !route.unfit().isEmpty()) {
        sb.append("unfit: ").append(String.join("; ", route.unfit())).append(". ");
      }
      if (!topology.refused().isEmpty()) {
        sb.append("not connecting to: ").append(String.join("; ", topology.refused())).append(". ");
      }
    }
    if (!failures.isEmpty()) {
      sb.append("Connect attempts failed: ");
      failures.forEach((member, why) -> sb.append(member).append(": ").append(why).append("; "));
    }
    return sb.toString().trim();
  }
}
