#!/usr/bin/env bash
# scripts/node-netns.sh NAME NODE_IP: a network namespace that plays a Kubernetes node for our CNI plugins (made here
# unless the caller already made it, as the C# tests do to track its deletion). NODE_IP on
# lo is the node's own address (pods ping it); an uplink with a default route is there because proxy ARP (how a pod
# reaches its 169.254.1.1 gateway) answers only for destinations the node routes out of another interface.
set -euo pipefail
name=${1:?usage: node-netns.sh NAME NODE_IP}
node_ip=${2:?usage: node-netns.sh NAME NODE_IP}
[ -e "/run/netns/$name" ] || ip netns add "$name"
ip -n "$name" link set lo up
ip -n "$name" addr add "$node_ip/32" dev lo
ip -n "$name" link add uplink0 type veth peer name uplink1
ip -n "$name" link set uplink0 up
ip -n "$name" link set uplink1 up
ip -n "$name" addr add 192.168.51.1/24 dev uplink0
ip -n "$name" route add default via 192.168.51.254 dev uplink0
ip netns exec "$name" sysctl -qw net.ipv4.ip_forward=1
