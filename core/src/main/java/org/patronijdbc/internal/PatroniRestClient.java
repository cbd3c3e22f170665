package org.patronijdbc.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import okhttp3.Call;
import okhttp3.Credentials;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.patronijdbc.topology.ClusterTopology;

/**
 * Reads {@code GET /cluster} from one Patroni REST API at a time, bounded in time and size. Never
 * follows redirects and never falls back from https to http.
 */
final class PatroniRestClient {

  /** A /cluster answer is a few kB; this much is plenty for hundreds of members. */
  static final int MAX_BODY_BYTES = 1024 * 1024;

  private final OkHttpClient http;
  private final String authorization;
  private final Set<String> credentialed;

  /** A client as {@code security} and {@code timeout} say, that sends no Basic credentials. */
  public PatroniRestClient(RestSecurity security, Duration timeout) {
    this(security, timeout, List.of());
  }

  /**
   * A client as {@code security} and {@code timeout} say.
   *
   * @param configured the endpoints the user named (or derived from the URL's hosts): the only ones
   *     Basic credentials go to, and only over https, never to members discovered from the DCS
   */
  public PatroniRestClient(RestSecurity security, Duration timeout, List<String> configured) {
    this.credentialed = Set.copyOf(configured);
    OkHttpClient.Builder builder =
        new OkHttpClient.Builder()
            .connectTimeout(timeout)
            .readTimeout(timeout)
            .writeTimeout(timeout)
            .callTimeout(timeout)
            .followRedirects(false)
            .followSslRedirects(false)
            .retryOnConnectionFailure(false);
    security
        .tls()
        .ifPresent(
            tls -> {
              SSLContext context = tls.context();
              builder.sslSocketFactory(context.getSocketFactory(), tls.trustManager());
            });
    this.http = builder.build();
    this.authorization =
        security.user() == null
            ? null
            : Credentials.basic(security.user(), security.password(), StandardCharsets.UTF_8);
  }

  /**
   * {@code GET endpoint/cluster}.
   *
   * @param endpoint a base URL, e.g. {@code https://db1.example:8008}
   * @throws IOException when the endpoint does not answer in time, answers other than 200, sends
   *     too much, or sends something that is not Patroni's /cluster JSON
   */
  public ClusterTopology fetchCluster(String endpoint) throws IOException {
    return fetchCluster(endpoint, 0);
  }

  /**
   * As {@link #fetchCluster(String)}, the whole request bounded by {@code timeoutMs} when it is
   * positive (the rest of a poll's deadline), else by the client's timeout.
   */
  public ClusterTopology fetchCluster(String endpoint, long timeoutMs) throws IOException {
    Request.Builder request = new Request.Builder().url(endpoint + "/cluster").get();
    authorize(request, endpoint);
    Call call = http.newCall(request.build());
    if (timeoutMs > 0) {
      call.timeout().timeout(timeoutMs, TimeUnit.MILLISECONDS);
    }
    try (Response response = call.execute()) {
      if (response.code() != 200) {
        throw new IOException("HTTP " + response.code() + " from " + endpoint + "/cluster");
      }
      return ClusterJsonReader.read(readCapped(response.body()), endpoint);
    }
  }

  /**
   * The scope from {@code GET endpoint/patroni} ({@code patroni.scope}), for Patroni versions whose
   * /cluster does not report it (before 3.2).
   *
   * @throws IOException when it cannot be read
   */
  public String fetchScope(String endpoint) throws IOException {
    Request.Builder request = new Request.Builder().url(endpoint + "/patroni").get();
    authorize(request, endpoint);
    try (Response response = http.newCall(request.build()).execute()) {
      if (response.code() != 200 && response.code() != 503) {
        throw new IOException("HTTP " + response.code() + " from " + endpoint + "/patroni");
      }
      return ClusterJsonReader.readScope(readCapped(response.body()));
    }
  }

  private void authorize(Request.Builder request, String endpoint) {
    if (authorization != null
        && endpoint.startsWith("https://")
        && credentialed.contains(endpoint)) {
      request.header("Authorization", authorization);
    }
  }

  private static String readCapped(ResponseBody body) throws IOException {
    if (body.contentLength() > MAX_BODY_BYTES) {
      throw new IOException("answer of " + body.contentLength() + " bytes is too large");
    }
    try (InputStream in = body.byteStream()) {
      byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
      if (bytes.length > MAX_BODY_BYTES) {
        throw new IOException("answer larger than " + MAX_BODY_BYTES + " bytes");
      }
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }

  /** Releases the client's threads and connections. */
  public void close() {
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }
}
