package io.easyfaas.kernel.internal.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import io.easyfaas.api.kernel.KernelException;
import io.easyfaas.kernel.internal.LibC;

import com.sun.jna.LastErrorException;

/**
 * A small rtnetlink client: links, bridges, veth pairs, addresses and routes of one network
 * namespace, the one the socket was opened in (a netlink socket keeps its namespace for life,
 * whichever thread uses it later). Every request is acknowledged; a refusal becomes a
 * {@link KernelException} naming the operation and the errno.
 */
public final class Rtnetlink implements AutoCloseable {
    private static final int AF_UNSPEC = 0;
    private static final int AF_INET = 2;
    private static final int AF_BRIDGE = 7;
    private static final int AF_NETLINK = 16;
    private static final int SOCK_RAW = 3;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int NETLINK_ROUTE = 0;
    private static final int O_RDONLY_CLOEXEC = 0x80000;
    private static final int CLONE_NEWNET = 0x40000000;
    private static final int ENODEV = 19;

    private static final int NLMSG_ERROR = 2;
    private static final int NLMSG_DONE = 3;
    private static final int RTM_NEWLINK = 16;
    private static final int RTM_DELLINK = 17;
    private static final int RTM_GETLINK = 18;
    private static final int RTM_SETLINK = 19;
    private static final int RTM_NEWADDR = 20;
    private static final int RTM_NEWROUTE = 24;

    private static final int NLM_F_REQUEST = 0x1;
    private static final int NLM_F_ACK = 0x4;
    private static final int NLM_F_DUMP = 0x300;
    private static final int NLM_F_EXCL = 0x200;
    private static final int NLM_F_CREATE = 0x400;
    private static final int CREATE = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
    private static final int ACKED = NLM_F_REQUEST | NLM_F_ACK;

    private static final int IFF_UP = 1;
    private static final int IFLA_IFNAME = 3;
    private static final int IFLA_MASTER = 10;
    private static final int IFLA_PROTINFO = 12;
    private static final int IFLA_LINKINFO = 18;
    private static final int IFLA_NET_NS_PID = 19;
    private static final int IFLA_INFO_KIND = 1;
    private static final int IFLA_INFO_DATA = 2;
    private static final int VETH_INFO_PEER = 1;
    private static final int IFLA_BRPORT_ISOLATED = 33;
    private static final int IFA_ADDRESS = 1;
    private static final int IFA_LOCAL = 2;
    private static final int RTA_GATEWAY = 5;
    private static final int RT_TABLE_MAIN = 254;
    private static final int RTPROT_BOOT = 3;
    private static final int RT_SCOPE_UNIVERSE = 0;
    private static final int RTN_UNICAST = 1;

    private static final int HEADER = 16;
    private static final int IFINFOMSG = 16;

    private final int fd;
    private final byte[] receiveBuffer = new byte[64 * 1024];
    private int sequence;

    private Rtnetlink(int fd) {
        this.fd = fd;
    }

    /** A client for the network namespace of the calling thread. */
    public static Rtnetlink open() {
        try {
            return new Rtnetlink(LibC.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
        } catch (LastErrorException e) {
            throw LibC.failure("socket(AF_NETLINK, NETLINK_ROUTE)", e);
        }
    }

    /**
     * A client for the network namespace of process {@code pid}. The socket is made by a
     * short-lived thread that joins that namespace and ends, so no pooled or caller thread ever
     * changes namespace.
     */
    public static Rtnetlink openInNetnsOf(int pid) {
        CompletableFuture<Rtnetlink> client = new CompletableFuture<>();
        Thread opener = new Thread(() -> {
            try {
                joinNetns(pid);
                client.complete(open());
            } catch (RuntimeException | Error e) {
                client.completeExceptionally(e);
            }
        }, "easyfaas-netns-" + pid);
        opener.start();
        try {
            return client.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw (RuntimeException) e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KernelException("interrupted while joining the network namespace of " + pid, e);
        }
    }

    private static void joinNetns(int pid) {
        String path = "/proc/" + pid + "/ns/net";
        int nsFd;
        try {
            nsFd = LibC.open(path, O_RDONLY_CLOEXEC, 0);
        } catch (LastErrorException e) {
            throw LibC.failure("open(" + path + ")", e);
        }
        try {
            LibC.setns(nsFd, CLONE_NEWNET);
        } catch (LastErrorException e) {
            throw LibC.failure("setns(" + path + ", CLONE_NEWNET)", e);
        } finally {
            LibC.close(nsFd);
        }
    }

    public List<Link> links() {
        List<Link> links = new ArrayList<>();
        for (ByteBuffer reply : request("dump links",
                new NetlinkMessage(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP).ifinfo(AF_UNSPEC, 0, 0, 0))) {
            links.add(parseLink(reply));
        }
        return links;
    }

    /** The link called {@code name}; a {@link KernelException} (ENODEV) when there is none. */
    public Link link(String name) {
        List<ByteBuffer> replies = request("get link " + name,
                new NetlinkMessage(RTM_GETLINK, ACKED).ifinfo(AF_UNSPEC, 0, 0, 0).attribute(IFLA_IFNAME, name));
        return parseLink(replies.get(0));
    }

    /** The link called {@code name}, empty when there is none. */
    public Optional<Link> findLink(String name) {
        try {
            return Optional.of(link(name));
        } catch (KernelException e) {
            if (e.errno() == ENODEV) {
                return Optional.empty();
            }
            throw e;
        }
    }

    public int linkIndex(String name) {
        return link(name).index();
    }

    public void setLinkUp(int index) {
        request("set link " + index + " up", new NetlinkMessage(RTM_SETLINK, ACKED).ifinfo(AF_UNSPEC, index, IFF_UP, IFF_UP));
    }

    public void setLinkUp(String name) {
        setLinkUp(linkIndex(name));
    }

    public void createBridge(String name) {
        NetlinkMessage message = new NetlinkMessage(RTM_NEWLINK, CREATE).ifinfo(AF_UNSPEC, 0, 0, 0).attribute(IFLA_IFNAME, name);
        int linkInfo = message.begin(IFLA_LINKINFO);
        message.attribute(IFLA_INFO_KIND, "bridge").end(linkInfo);
        request("create bridge " + name, message);
    }

    /** Creates a veth pair with both ends in this namespace. */
    public void createVethPair(String hostName, String peerName) {
        request("create veth pair " + hostName + "/" + peerName, vethPair(hostName, peerName, 0));
    }

    /**
     * Creates a veth pair whose peer end is born in the network namespace of process
     * {@code peerPid}, so no rename or move is needed there.
     */
    public void createVethPair(String hostName, String peerName, int peerPid) {
        request("create veth pair " + hostName + "/" + peerName + " into the netns of " + peerPid,
                vethPair(hostName, peerName, peerPid));
    }

    private static NetlinkMessage vethPair(String hostName, String peerName, int peerPid) {
        NetlinkMessage message = new NetlinkMessage(RTM_NEWLINK, CREATE).ifinfo(AF_UNSPEC, 0, 0, 0).attribute(IFLA_IFNAME, hostName);
        int linkInfo = message.begin(IFLA_LINKINFO);
        message.attribute(IFLA_INFO_KIND, "veth");
        int data = message.begin(IFLA_INFO_DATA);
        int peer = message.begin(VETH_INFO_PEER);
        message.ifinfo(AF_UNSPEC, 0, 0, 0).attribute(IFLA_IFNAME, peerName);
        if (peerPid > 0) {
            message.attribute(IFLA_NET_NS_PID, peerPid);
        }
        return message.end(peer).end(data).end(linkInfo);
    }

    public void setMaster(int link, int bridge) {
        request("set master of link " + link + " to " + bridge,
                new NetlinkMessage(RTM_SETLINK, ACKED).ifinfo(AF_UNSPEC, link, 0, 0).attribute(IFLA_MASTER, bridge));
    }

    public void moveToNetnsOfPid(int link, int pid) {
        request("move link " + link + " to the netns of " + pid,
                new NetlinkMessage(RTM_SETLINK, ACKED).ifinfo(AF_UNSPEC, link, 0, 0).attribute(IFLA_NET_NS_PID, pid));
    }

    public void addAddress(int link, String ipv4, int prefixLength) {
        byte[] address = Ipv4.parse(ipv4).bytes();
        request("add address " + ipv4 + "/" + prefixLength + " to link " + link,
                new NetlinkMessage(RTM_NEWADDR, CREATE).ifaddr(AF_INET, prefixLength, RT_SCOPE_UNIVERSE, link)
                        .attribute(IFA_LOCAL, address).attribute(IFA_ADDRESS, address));
    }

    public void addDefaultRoute(String gatewayIpv4) {
        request("add default route via " + gatewayIpv4,
                new NetlinkMessage(RTM_NEWROUTE, CREATE).rtmsg(AF_INET, RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_UNIVERSE, RTN_UNICAST)
                        .attribute(RTA_GATEWAY, Ipv4.parse(gatewayIpv4).bytes()));
    }

    /** Bridge port {@code link} forwards nothing to other isolated ports of its bridge. */
    public void setBridgePortIsolated(int link) {
        NetlinkMessage message = new NetlinkMessage(RTM_SETLINK, ACKED).ifinfo(AF_BRIDGE, link, 0, 0);
        int protinfo = message.begin(IFLA_PROTINFO);
        message.attribute(IFLA_BRPORT_ISOLATED, new byte[] {1}).end(protinfo);
        request("isolate bridge port " + link, message);
    }

    public void deleteLink(int link) {
        request("delete link " + link, new NetlinkMessage(RTM_DELLINK, ACKED).ifinfo(AF_UNSPEC, link, 0, 0));
    }

    @Override
    public void close() {
        LibC.close(fd);
    }

    /** Sends one request and returns its data replies once the kernel acknowledged it. */
    private synchronized List<ByteBuffer> request(String operation, NetlinkMessage message) {
        int seq = ++sequence;
        byte[] bytes = message.bytes(seq);
        try {
            LibC.send(fd, bytes, bytes.length, 0);
        } catch (LastErrorException e) {
            throw LibC.failure("rtnetlink " + operation, e);
        }
        List<ByteBuffer> replies = new ArrayList<>();
        while (true) {
            ByteBuffer received = receive(operation);
            while (received.remaining() >= HEADER) {
                int start = received.position();
                int length = received.getInt(start);
                int type = received.getShort(start + 4);
                int replySeq = received.getInt(start + 8);
                // a copy: the receive buffer is reused by the next recv
                ByteBuffer reply = ByteBuffer.allocate(length).order(ByteOrder.nativeOrder()).put(0, received, start, length);
                received.position(start + align(length));
                if (replySeq != seq) {
                    continue;
                }
                if (type == NLMSG_DONE) {
                    return replies;
                }
                if (type == NLMSG_ERROR) {
                    int errno = -reply.getInt(HEADER);
                    if (errno != 0) {
                        throw new KernelException("rtnetlink " + operation + ": " + LibC.strerror(errno)
                                + " (errno " + errno + ")", errno);
                    }
                    return replies;
                }
                replies.add(reply);
            }
        }
    }

    private ByteBuffer receive(String operation) {
        try {
            long length = LibC.recv(fd, receiveBuffer, receiveBuffer.length, 0);
            return ByteBuffer.wrap(receiveBuffer, 0, (int) length).slice().order(ByteOrder.nativeOrder());
        } catch (LastErrorException e) {
            throw LibC.failure("rtnetlink " + operation + " (receive)", e);
        }
    }

    private static Link parseLink(ByteBuffer message) {
        int index = message.getInt(HEADER + 4);
        int flags = message.getInt(HEADER + 8);
        String name = "";
        int master = 0;
        int position = HEADER + IFINFOMSG;
        while (position + 4 <= message.limit()) {
            int length = message.getShort(position) & 0xffff;
            int type = message.getShort(position + 2) & 0x3fff;
            if (length < 4) {
                break;
            }
            if (type == IFLA_IFNAME) {
                byte[] text = new byte[length - 5];
                message.get(position + 4, text);
                name = new String(text, StandardCharsets.US_ASCII);
            } else if (type == IFLA_MASTER) {
                master = message.getInt(position + 4);
            }
            position += align(length);
        }
        return new Link(index, name, flags, master);
    }

    private static int align(int length) {
        return (length + 3) & ~3;
    }
}
