package org.patronijdbc.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP forwarder on 127.0.0.1 in front of one Patroni REST API that counts the HTTP requests
 * passing through (each request without a body ends with an empty line). It can be cut: connections
 * are then closed as they come, as a REST API out of reach would fail them.
 */
final class CountingProxy implements AutoCloseable {

  private final ServerSocket server;
  private final int targetPort;
  private final AtomicLong requests = new AtomicLong();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile boolean cut;

  CountingProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "counting-proxy-" + targetPort);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  long requests() {
    return requests.get();
  }

  /** Cuts the way through ({@code true}: open connections are closed too) or restores it. */
  void cut(boolean cut) {
    this.cut = cut;
    if (cut) {
      sockets.forEach(CountingProxy::closeQuietly);
      sockets.clear();
    }
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        if (cut) {
          closeQuietly(client);
          continue;
        }
        Socket upstream = new Socket();
        upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 2000);
        sockets.add(client);
        sockets.add(upstream);
        if (cut) { // cut while this one connected: cut(true) may have missed it
          closeQuietly(client);
          closeQuietly(upstream);
          continue;
        }
        pump(client, upstream, true);
        pump(upstream, client, false);
      } catch (IOException e) {
        // the server socket closed, or one target did not answer: the client sees it fail
      }
    }
  }

  private void pump(Socket from, Socket to, boolean count) {
    Thread t =
        new Thread(
            () -> {
              int tail = 0; // the last bytes seen, to find "\r\n\r\n" across reads
              byte[] buffer = new byte[8192];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                  if (count) {
                    for (int i = 0; i < n; i++) {
                      tail = (tail << 8) | (buffer[i] & 0xff);
                      if (tail == 0x0d0a0d0a) {
                        requests.incrementAndGet();
                      }
                    }
                  }
                  out.write(buffer, 0, n);
                }
              } catch (IOException e) {
                // either side closed
              } finally {
                closeQuietly(from);
                closeQuietly(to);
              }
            },
            "counting-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    sockets.forEach(CountingProxy::closeQuietly);
  }
}
