/*
 * rules.c: the rules engine.  One table documents every rule (id, default
 * severity, title, explanation, fixes per PBX product); rules_summarize()
 * turns a call into a summary (one scan per message); each rule_* function
 * reads only the summary and the configuration and adds findings; then the
 * findings are ordered root cause first and the verdict is drawn.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "digest.h"
#include "rules.h"

#define RULES_TIMER_B	(32 * 1000000LL)	/* 64*T1, capture time */
#define RULES_VALUE_MAX	200			/* bytes of a value shown */
#define RULES_LOOKBACK	512			/* transactions searched back */

/* Rule indices: the table's order, which is also root-cause priority. */
enum {
	R_RURI_IP = 0,
	R_BYO,
	R_UDP,
	R_WRONG_USER,
	R_FORBIDDEN_PW,
	R_WRONG_PW,
	R_REALM,
	R_HDR_TYPE,
	R_ALG,
	R_QOP,
	R_OPAQUE,
	R_NONCE,
	R_DIALOG,
	R_CSEQ,
	R_STALE,
	R_VAPI_CHALLENGE,
	R_IGNORED,
	R_LOOP,
	R_FORBIDDEN_AFTER,
	R_NOT_FOUND,
	R_NO_RESPONSE,
	R_NAT,
	R_ACK,
	R_URI,
	R__MAX
};

/* Placeholders a fix or explanation may hold. */
enum {
	V_USER = 0,	/* the digest username expected (Request-URI user) */
	V_SENT_USER,	/* the digest username sent */
	V_REALM,	/* the challenge's realm */
	V_SENT_REALM,	/* the realm answered */
	V_HOST,		/* the Vapi host to address */
	V_SOURCE,	/* the PBX's signalling address */
	V_CREDENTIAL,	/* the BYO trunk's credential id */
	V_VAPI_IPS,	/* Vapi's signalling addresses */
	V_NUMBER,	/* the number called */
	V_CSEQ,		/* the CSeq the retry should carry */
	V_ADDRESS,	/* a private address */
	V_ALG,		/* the algorithms offered */
	V__MAX
};
_Static_assert(V__MAX <= 32, "struct rctx var_set has a bit per placeholder");

static const char *const rules_var_names[V__MAX] = {
	"user", "sent-user", "realm", "sent-realm", "host", "source",
	"credential", "vapi-ips", "number", "cseq", "address", "algorithm",
};

#define PBX(cube, ast, fs, kam, osips, cx) \
	{ NULL, cube, ast, fs, kam, osips, cx }

static const struct rule_info rules_table[R__MAX] = {
[R_RURI_IP] = { "ruri-ip-literal", RULES_ERROR, 1,
    "Request addressed to an IP address, not to Vapi's host name",
    "The Request-URI (or the To URI) of the INVITE names an IPv4 or IPv6 "
    "literal instead of Vapi's host name. Vapi refuses requests addressed to "
    "an IP address (typically with 403), whatever the credentials. Only "
    "requests that open a dialog are checked: in-dialog requests (ACK of a "
    "2xx, BYE, re-INVITE) correctly go to the Contact address.",
    "Address the INVITE to sip:<number>@<host> (the host name in the "
    "Request-URI and To); send it to Vapi's addresses at the transport level "
    "only.",
    PBX("On the dial-peer to Vapi use 'session target dns:<host>' instead of "
	"'session target ipv4:...', so the Request-URI carries <host>.",
	"Set the AOR's contact=sip:<host> (and from_domain as needed) and dial "
	"PJSIP/<number>@<endpoint> or sip:<number>@<host>, not the IP address.",
	"Set the gateway's proxy and realm to <host> (not the IP) and bridge "
	"sofia/gateway/<gateway>/<number>.",
	"Keep <host> in the Request-URI ($ru = \"sip:<number>@<host>\") and put "
	"the IP only in the destination URI ($du) before t_relay().",
	"Keep <host> in the Request-URI ($ru) and put the IP only in the "
	"destination URI ($du) before t_relay().",
	"In the SIP trunk set the Registrar/Server/Gateway host name to <host> "
	"(not its IP address).") },
[R_BYO] = { "byo-source-not-gateway", RULES_ERROR, 1,
    "BYO trunk refuses the PBX's source address",
    "The Request-URI host is <credential>.sip.vapi.ai, a BYO SIP trunk. "
    "Such trunks authorise by the packet's source IP against the trunk "
    "credential's gateways, not by digest credentials: an unlisted source "
    "gets 401 and then 403 (or a 401 loop).",
    "Add every signalling IP of the PBX (here <source>; IPv4 only, netmask "
    "24-32) to the gateways of credential <credential> (PATCH "
    "https://api.vapi.ai/credential/<credential>, \"gateways\": [{\"ip\": "
    "\"<source>\", \"inboundEnabled\": true}]). Behind NAT list the public "
    "address the PBX's traffic leaves from.",
    PBX(NULL, NULL, NULL, NULL, NULL, NULL) },
[R_UDP] = { "udp-oversize", RULES_ERROR, 0,
    "UDP request too large (over the MTU-safe size) or fragmented",
    "A request over 1300 bytes, or carried in IP fragments, was sent over "
    "UDP. RFC 3261 18.1.1 requires a congestion-controlled transport (TCP or "
    "TLS) for such requests, and fragments are often dropped by firewalls "
    "and NATs: typically the larger authenticated retry goes unanswered. "
    "An error when the request went unanswered, a warning otherwise.",
    "Send to Vapi over TCP or TLS (sip:<host>;transport=tcp, or port 5061 "
    "with TLS), or trim the message (fewer codecs in the SDP, fewer headers).",
    PBX("Set 'session transport tcp' on the dial-peer to Vapi (or under "
	"voice service voip / sip), and trim codecs with a voice class codec.",
	"Use a TCP or TLS transport for the Vapi endpoint (transport=transport-"
	"tcp) and trim the codecs (disallow=all, allow=ulaw,alaw).",
	"Append ;transport=tcp to the gateway's proxy (or set register-"
	"transport=tcp) and reduce the codec list (absolute_codec_string).",
	"Relay to Vapi over TCP ($du = \"sip:<host>;transport=tcp\", or "
	"t_relay_to_tcp()) and strip unneeded headers.",
	"Relay to Vapi over TCP ($du = \"sip:<host>;transport=tcp\") and strip "
	"unneeded headers.",
	"Set the trunk's transport to TCP (or TLS) and remove unused "
	"codecs.") },
[R_WRONG_USER] = { "wrong-username", RULES_ERROR, 1,
    "Digest username is not the Request-URI user",
    "On a sip.vapi.ai number the digest username differs from the user part "
    "of the Request-URI. Vapi identifies the number by the digest username, "
    "so this is the likely cause of a following 403 or 401. Likely, not "
    "certain: Vapi's support says the username must be the Request-URI user, "
    "while its API schema says a number without an authentication object "
    "accepts any username.",
    "Answer the challenge with digest username <user> (the Request-URI user) "
    "instead of <sent-user>.",
    PBX("Set 'authentication username <user> password 0 <password> realm "
	"<realm>' under sip-ua (or on the dial-peer to Vapi) instead of "
	"username <sent-user>.",
	"Set username=<user> in the auth section used by the endpoint's "
	"outbound_auth (it now sends <sent-user>).",
	"Set the gateway's username to <user> (or dial with "
	"{sip_auth_username=<user>}); it now sends <sent-user>.",
	"Use username <user> in the credentials uac_auth() answers with "
	"(modparam(\"uac\", \"credential\", \"<user>:<realm>:<password>\")).",
	"Use username <user> in the credentials uac_auth() answers with "
	"(modparam(\"uac_auth\", \"credential\", "
	"\"<user>:<realm>:<password>\")).",
	"Set the trunk's Authentication ID to <user> (it now sends "
	"<sent-user>).") },
[R_FORBIDDEN_PW] = { "forbidden-password", RULES_ERROR, 1,
    "Password is \"test\", empty or blank",
    "The digest response recomputes to the same value with the password "
    "\"test\", an empty password or a blank one. Vapi refuses these "
    "passwords.",
    "Configure a real password (any other value; 20-40 characters if the "
    "number has fixed credentials) for user <sent-user>.",
    PBX("Set 'authentication username <sent-user> password 0 <password> "
	"realm <realm>' with a real password.",
	"Set password=<password> (not empty, blank or test) in the auth section "
	"used by outbound_auth.",
	"Set the gateway's password (or sip_auth_password) to a real value.",
	"Put a real password in the uac credential for <sent-user>.",
	"Put a real password in the uac_auth credential for <sent-user>.",
	"Set a real Authentication password on the trunk.") },
[R_WRONG_PW] = { "wrong-password", RULES_ERROR, 1,
    "Digest response does not match the configured password",
    "A password is configured in sipvet for this user and realm, and the "
    "digest response does not verify with it: the PBX holds another "
    "password.",
    "Set the PBX's password for <sent-user> to the one the number expects.",
    PBX("Re-enter 'authentication username <sent-user> password 0 "
	"<password> realm <realm>'.",
	"Set password= in the auth section used by outbound_auth for "
	"username=<sent-user>.",
	"Set the gateway's password (or sip_auth_password) for <sent-user>.",
	"Fix the password in the uac credential for <sent-user>.",
	"Fix the password in the uac_auth credential for <sent-user>.",
	"Fix the trunk's Authentication password for <sent-user>.") },
[R_REALM] = { "realm-mismatch", RULES_ERROR, 1,
    "Credentials answer another realm",
    "The Authorization realm differs from the realm of the challenge it "
    "answers (for example \"asterisk\" instead of \"sip.vapi.ai\"): the PBX "
    "answered with credentials made for another realm. "
    "An error when the server refused the answer, a warning when it "
    "accepted it.",
    "Answer with realm <realm>, the one the challenge gave (it sent "
    "<sent-realm>).",
    PBX("Set 'realm <realm>' in the authentication command (sip-ua or "
	"dial-peer); CUBE only answers challenges whose realm it is "
	"configured for.",
	"In the auth section used by outbound_auth set realm=<realm> or leave "
	"realm empty (it now uses <sent-realm>).",
	"Set the gateway's realm to <realm> (or remove it to take the "
	"challenge's).",
	"Use realm <realm> in the uac credential (\"<user>:<realm>:...\").",
	"Use realm <realm> in the uac_auth credential.",
	"Set the trunk's realm/domain to <realm>.") },
[R_HDR_TYPE] = { "auth-header-type", RULES_ERROR, 1,
    "Wrong credentials header for the challenge",
    "A 401 (WWW-Authenticate) must be answered with Authorization and a 407 "
    "(Proxy-Authenticate) with Proxy-Authorization (RFC 3261 22.2, 22.3). "
    "The server does not look at the other header. "
    "An error when the server refused the answer, a warning when it "
    "accepted it.",
    "Answer a 401 with Authorization and a 407 with Proxy-Authorization.",
    PBX(NULL, NULL, NULL,
	"Let uac_auth() pick the header from the failure's code (do not build "
	"it by hand with append_hf()).",
	"Let uac_auth() pick the header from the failure's code.", NULL) },
[R_ALG] = { "algorithm-not-offered", RULES_ERROR, 1,
    "Digest algorithm not one that was offered",
    "The answer uses an algorithm the challenge did not offer (an absent "
    "algorithm means MD5; RFC 7616, RFC 8760). "
    "An error when the server refused the answer, a warning when it "
    "accepted it.",
    "Answer with one of the offered algorithms (<algorithm>).",
    PBX(NULL, NULL, NULL, NULL, NULL, NULL) },
[R_QOP] = { "qop-incomplete", RULES_ERROR, 1,
    "qop, nc or cnonce missing or malformed",
    "With a qop offered the answer must carry one of the offered qop values, "
    "nc (8 hex digits, 00000001 first) and cnonce; without one offered it "
    "must carry none of them (RFC 2617 3.2.2). "
    "An error when the server refused the answer, a warning when it "
    "accepted it.",
    "Fix or update the PBX's digest implementation so it sends qop, nc and "
    "cnonce exactly when a qop is offered.",
    PBX(NULL, NULL, NULL, NULL, NULL, NULL) },
[R_OPAQUE] = { "opaque-not-echoed", RULES_ERROR, 1,
    "opaque not returned unchanged",
    "The challenge's opaque value must be returned unchanged in the answer "
    "(RFC 2617 3.2.2); it is missing or changed. "
    "An error when the server refused the answer, a warning when it "
    "accepted it.",
    "Return the challenge's opaque parameter unchanged.",
    PBX(NULL, NULL, NULL, NULL, NULL, NULL) },
[R_NONCE] = { "nonce-mismatch", RULES_ERROR, 1,
    "Nonce answered is not the latest one the server gave",
    "The answer carries a nonce other than the one in the latest challenge "
    "on this call: a cached nonce, or one from another server or call. "
    "An error when the server refused the answer, a warning when it "
    "accepted it.",
    "Answer each challenge with its own nonce; do not reuse cached nonces "
    "across calls or servers.",
    PBX(NULL, NULL, NULL, NULL, NULL, NULL) },
[R_DIALOG] = { "retry-dialog-changed", RULES_ERROR, 1,
    "Retry is not in the challenged request's dialog",
    "The retry after a 401/407 must keep the Call-ID and the From tag of the "
    "challenged request and must not copy the To tag of the 401/407 (RFC "
    "3261 8.1.3.5, 22.2). A retry with a new Call-ID or From tag is a new "
    "call to the server, which challenges it again or refuses it. A retry "
    "with a new Call-ID is matched to the challenged INVITE by From URI, To "
    "URI, Request-URI and time (within 32 s): the challenged call gets an "
    "error (instead of challenge-ignored) naming the retry's Call-ID, and the "
    "retry's call the finding naming the challenged call's. An error when "
    "the server refused the answer, a warning when it accepted it.",
    "Send the retry with the same Call-ID and From (tag included) as the "
    "challenged INVITE, the To without the 401's tag, and CSeq one higher.",
    PBX(NULL, NULL, NULL,
	"Answer with uac_auth() in the failure_route of the same transaction "
	"so Call-ID and tags stay.", NULL, NULL) },
[R_CSEQ] = { "retry-cseq-not-incremented", RULES_ERROR, 1,
    "Retry's CSeq not above the challenged request's",
    "The retry after a 401/407 is a new transaction and must carry a higher "
    "CSeq than the challenged request (RFC 3261 22.2); servers may take it "
    "as a retransmission and drop it. "
    "An error when the server refused the answer, a warning when it "
    "accepted it.",
    "Send the retry with CSeq <cseq> (one higher than the challenged "
    "request).",
    PBX(NULL, NULL, NULL,
	"Kamailio 5.6's uac_auth() does not raise the CSeq unless the dialog "
	"module tracks CSeq updates (modparam(\"dialog\", "
	"\"track_cseq_updates\", 1) with a dialog-tracked call).",
	NULL, NULL) },
[R_STALE] = { "stale-nonce", RULES_INFO, 1,
    "Nonce expired (stale=true)",
    "A 401/407 with stale=true answered credentials: the nonce had expired "
    "(clock drift, a slow retry, or a nonce from another server). The PBX "
    "must retry with the new nonce without asking anyone (RFC 2617 3.2.1). "
    "Information when the next answer succeeds; an error when it loops or "
    "the PBX does not retry.",
    "Retry at once with the new nonce; check the PBX's clock (NTP) and that "
    "it does not cache nonces across calls or servers.",
    PBX(NULL, NULL, NULL, NULL, NULL, NULL) },
[R_VAPI_CHALLENGE] = { "vapi-to-pbx-challenge", RULES_ERROR, 1,
    "PBX challenged Vapi's INVITE and Vapi did not answer",
    "An INVITE from Vapi (its addresses, or sip.vapi.ai in From/Via) was "
    "answered 401/407 by the PBX and Vapi never sent credentials. Vapi "
    "answers challenges only when its trunk credential has an "
    "outboundAuthenticationPlan (authUsername, authPassword).",
    "Either let the PBX accept Vapi's addresses (<vapi-ips>) without a "
    "challenge, or give Vapi's trunk credential an outboundAuthenticationPlan "
    "with authUsername/authPassword for realm <realm>.",
    PBX("Trust Vapi's addresses: voice service voip, ip address trusted list, "
	"ipv4 <vapi-ips>, and do not require authentication on the incoming "
	"dial-peer (or set outboundAuthenticationPlan on Vapi's side).",
	"Add an identify section with match=<vapi-ips> pointing at the Vapi "
	"endpoint and remove auth= from that endpoint (or set Vapi's "
	"outboundAuthenticationPlan to the auth section's username/password).",
	"Add <vapi-ips> to an ACL applied to the profile (apply-inbound-acl) so "
	"Vapi's INVITEs are not challenged, or set Vapi's "
	"outboundAuthenticationPlan.",
	"Skip www_challenge()/auth_challenge() for Vapi's addresses "
	"(permissions module, allow_source_address() with <vapi-ips>), or set "
	"Vapi's outboundAuthenticationPlan.",
	"Skip the challenge for Vapi's addresses (permissions module, "
	"check_source_address() with <vapi-ips>), or set Vapi's "
	"outboundAuthenticationPlan.",
	"Add Vapi's addresses (<vapi-ips>) to the trunk so calls from them are "
	"accepted by IP, or set Vapi's outboundAuthenticationPlan.") },
[R_IGNORED] = { "challenge-ignored", RULES_ERROR, 1,
    "Challenge not answered: the PBX has no credentials for the realm",
    "The INVITE was answered 401/407 and no new request followed on the call "
    "within Timer B (32 s): the PBX has no credentials for this realm, or "
    "decided not to use them (Cisco CUBE silently skips the retry when the "
    "challenge realm differs from its configured realm). The call is "
    "reported in progress until 32 s have passed.",
    "Give the PBX credentials for realm <realm>: digest username <user> and "
    "a password (not empty, blank or \"test\"), used to answer INVITE "
    "challenges.",
    PBX("Under sip-ua (or on the dial-peer to Vapi) configure 'authentication "
	"username <user> password 0 <password> realm <realm>'. The realm must "
	"be exactly <realm>: CUBE silently skips the retry when the challenge "
	"realm differs. 'credentials' is for REGISTER only and does not answer "
	"INVITE challenges.",
	"Set outbound_auth=<auth section> on the endpoint that dials Vapi, and "
	"in that section (type=auth, auth_type=userpass) set username=<user>, "
	"password=<password> and realm=<realm> (or no realm).",
	"Give the gateway to Vapi username <user>, password and realm <realm> "
	"(register=false is fine), or dial with {sip_auth_username=<user>,"
	"sip_auth_password=<password>}.",
	"Answer 401/407 in a failure_route with uac_auth() and t_relay() again "
	"(modparam(\"uac\", \"credential\", \"<user>:<realm>:<password>\")).",
	"Answer 401/407 in a failure_route with uac_auth() and t_relay() again "
	"(modparam(\"uac_auth\", \"credential\", "
	"\"<user>:<realm>:<password>\")).",
	"Set the trunk's Authentication ID to <user> and its Authentication "
	"password so 3CX answers the challenge.") },
[R_LOOP] = { "credentials-rejected-loop", RULES_ERROR, 1,
    "Well-formed credentials rejected with a new challenge",
    "The server answered well-formed credentials with another 401/407 "
    "without stale=true: it refuses the credentials (wrong password, or "
    "fixed credentials on the number). Two or more such challenges are a "
    "loop; a PBX retrying without limit is flagged too.",
    "Check the username (<sent-user>) and password against the number's "
    "settings in Vapi; if the number has an authentication object, use "
    "exactly its username and password (20-40 characters each). Limit "
    "retries to one per challenge.",
    PBX(NULL, "Check username/password in the auth section used by "
	"outbound_auth (username=<sent-user>).", NULL, NULL, NULL, NULL) },
[R_FORBIDDEN_AFTER] = { "forbidden-after-auth", RULES_ERROR, 1,
    "403 Forbidden after well-formed credentials",
    "The server answered well-formed credentials with 403 Forbidden and no "
    "other rule explains it. Likely causes, most likely first: the digest "
    "username is not the number's (the Request-URI user), a forbidden "
    "password, fixed credentials on the number (its authentication object: "
    "exactly that username and password, 20-40 characters each), for BYO "
    "trunks a source IP not in the gateways, or a US/EU region mismatch "
    "(sip.vapi.ai vs sip.eu.vapi.ai; numbers and credentials of an EU org "
    "exist only in the EU region).",
    "Check, in this order: the digest username is <user>; the password is "
    "not empty/blank/\"test\"; the number's authentication object (if any) "
    "matches the PBX's credentials; the region of the number matches "
    "<host>.",
    PBX(NULL, NULL, NULL, NULL, NULL, NULL) },
[R_NOT_FOUND] = { "number-not-found", RULES_ERROR, 0,
    "Number not found (404)",
    "Vapi answered 404 to the INVITE: the number is not configured or not "
    "assigned to an assistant, is written differently (+E.164 vs plain "
    "digits), or the credential subdomain or region is wrong.",
    "Check that <number> exists in Vapi (Phone Numbers) with an assistant "
    "or squad, in the same form (+E.164) and region as <host>.",
    PBX("Normalise the called number with a voice translation-rule / "
	"translation-profile on the dial-peer to Vapi (for example add the "
	"+ and country code) so it matches the number in Vapi.",
	"Dial the number in the form Vapi has it (Dial(PJSIP/+<number>@...)) "
	"or fix the dialplan's number rewriting.",
	"Fix the number in the bridge string (sofia/gateway/<gateway>/+E.164).",
	"Rewrite the Request-URI user to the number as Vapi has it ($rU).",
	"Rewrite the Request-URI user to the number as Vapi has it ($rU).",
	"Fix the outbound rule's number prefix/strip so the number matches "
	"Vapi's.") },
[R_NO_RESPONSE] = { "no-response", RULES_ERROR, 0,
    "No response to the INVITE",
    "The INVITE was sent (and retransmitted) with no response until Timer B "
    "(32 s), or an ICMP error (port or host unreachable, administratively "
    "prohibited, time exceeded) answered it, which the finding names with its "
    "sender (then at once): a firewall, DNS pointing elsewhere, the wrong "
    "port, or TLS sent to 5060.",
    "Check that <host> resolves to Vapi's addresses, that the firewall lets "
    "SIP out and back (UDP/TCP 5060, TLS 5061) and that the transport "
    "matches the port.",
    PBX("Check 'session target dns:<host>' and 'session transport', and "
	"any ACL/zone firewall on the WAN interface.",
	"Check the AOR contact (sip:<host>), the transport's port and the "
	"firewall; with NAT set external_signaling_address and local_net.",
	"Check the gateway's proxy (<host>), the profile's ext-sip-ip and the "
	"firewall.",
	"Check the destination URI, DNS of <host> and the firewall.",
	"Check the destination URI, DNS of <host> and the firewall.",
	"Check the trunk's host and port and the firewall.") },
[R_NAT] = { "nat-private-address", RULES_WARNING, 0,
    "Private address in Via, Contact or SDP",
    "A request crossing a public address carries an RFC 1918 or RFC 6598 "
    "address in Via (without rport), in Contact, or in the SDP c=/o= "
    "lines: responses, the ACK/BYE or the media go to an address Vapi "
    "cannot reach. A warning; an error when a 2xx is repeated without an "
    "ACK.",
    "Make the PBX advertise its public address (<address> is private) or "
    "let an SBC/ALG-free NAT rewrite it; add rport.",
    PBX("Use 'ip nat' free signalling: bind the SIP/media to the public "
	"interface (bind control/media source-interface) or use an SBC address "
	"mapping.",
	"Set external_signaling_address, external_media_address and local_net "
	"on the transport, and rewrite_contact=yes, force_rport=yes, "
	"rtp_symmetric=yes on the endpoint.",
	"Set ext-sip-ip and ext-rtp-ip (autonat or the public address) on the "
	"sip profile.",
	"Use fix_nated_contact()/set_contact_alias() and rtpengine, or "
	"advertise the public address (advertise= on listen).",
	"Use fix_nated_contact() and rtpengine, or advertise the public "
	"address on the socket.",
	"Set the public IP in the network settings and enable STUN/NAT "
	"handling for the trunk.") },
[R_ACK] = { "ack-mismatch", RULES_ERROR, 1,
    "ACK of the 401/407 missing or not matching the INVITE",
    "The ACK of a non-2xx final response belongs to the INVITE transaction: "
    "it must carry the INVITE's top Via branch and CSeq number (RFC 3261 "
    "17.1.1.3). It is missing or carries another branch or CSeq number, so "
    "the PBX's transaction layer is broken; Vapi retransmits the 401. An "
    "error when the call failed, a warning when it was answered all the "
    "same.",
    "Fix the PBX (or SBC) transaction layer so the ACK copies the INVITE's "
    "Via branch and CSeq number; update its software.",
    PBX("Update IOS-XE; check that no SIP profile rewrites Via or CSeq on "
	"the ACK.", NULL, NULL,
	"Do not relay the hop-by-hop ACK of a negative reply statefully; let "
	"tm absorb it (t_check_trans()).",
	"Let tm absorb the ACK of a negative reply (t_check_trans()).", NULL) },
[R_URI] = { "digest-uri-mismatch", RULES_WARNING, 1,
    "Digest uri differs from the Request-URI",
    "The digest uri parameter should be the Request-URI (RFC 3261 22.4); "
    "servers MAY reject credentials whose uri differs.",
    "Compute the digest over the Request-URI as sent.",
    PBX(NULL, NULL, NULL, NULL, NULL, NULL) },
};

static const char *const rules_pbx_names[RULES_PBX__MAX] = {
	[RULES_PBX_GENERIC] = "generic",
	[RULES_PBX_CUBE] = "Cisco CUBE",
	[RULES_PBX_ASTERISK] = "Asterisk",
	[RULES_PBX_FREESWITCH] = "FreeSWITCH",
	[RULES_PBX_KAMAILIO] = "Kamailio",
	[RULES_PBX_OPENSIPS] = "OpenSIPS",
	[RULES_PBX_3CX] = "3CX",
};

/* Vapi's regions: the host and the signalling addresses of each. */
static const struct {
	const char	*host;
	const char	*addrs[2];
	const char	*name;
} rules_regions[] = {
	{ "sip.vapi.ai", { "44.229.228.186", "44.238.177.138" }, "US" },
	{ "sip.eu.vapi.ai", { "63.182.83.170", NULL }, "EU" },
};

/* The state of one rules_apply() run: the inputs and the findings so far. */
struct rctx {
	const struct config		*cfg;
	const struct rules_summary	*s;
	struct finding			*f;
	int				 n, cap;
	int				 nomem;
	int				 rule;
	int			 pending;	/* not finished at now */
	int			 call_ok;	/* an initial request got 2xx */
	unsigned char	*explained;	/* per answer: an error explains it */
	unsigned		 var_set;	/* placeholders set (1 << v) */
	char				 var[V__MAX][RULES_VALUE_MAX + 8];
};

/* ---- small helpers -------------------------------------------------- */

/* A field of a message's own slices (no reference), bounded by its bytes. */
static inline struct sv_str
rules_f_own(const struct rules_msg *rm, int f)
{
	uint32_t	o, l;

	if (rm->wide == NULL) {
		if ((o = rm->sl[f][0]) >= RULES_F_REF16)
			return SV_STR_NULL;
		l = rm->sl[f][1];
	} else if ((o = rm->wide[f][0]) == RULES_F_NONE)
		return SV_STR_NULL;
	else
		l = rm->wide[f][1];
	if ((uint64_t)o + l > rm->blen)
		return SV_STR_NULL;
	return (struct sv_str){ rm->base + o, l };
}

/*
 * A scanned field of a message, or an absent slice (also when out of
 * bounds); a field its record shares with the call is the call's string.
 */
static inline struct sv_str
rules_f(const struct rules_msg *rm, int f)
{
	if (rm->wide == NULL && rm->sl[f][0] == RULES_F_REF16)
		return rm->ref != NULL ? rm->ref[f] : SV_STR_NULL;
	return rules_f_own(rm, f);
}

/*
 * One of the call's strings as a slice: all len bytes the tracker copied
 * (a NUL within them included, as the message had it), or up to its NUL
 * in a call built elsewhere (len 0).
 */
static struct sv_str
rules_call_str(const char *s, uint32_t len)
{
	if (s == NULL)
		return SV_STR_NULL;
	return (struct sv_str){ s, len > 0 ? len : strlen(s) };
}

/* The call's own string for each field a record may share with it. */
void
rules_call_fields(const struct call *c, struct sv_str *f)
{
	int	i;

	for (i = 0; i < RULES_F__MAX; i++)
		f[i] = SV_STR_NULL;
	if (c == NULL)
		return;
	f[RF_CALL_ID] = rules_call_str(c->call_id, c->call_id_len);
	f[RF_FROM_URI] = rules_call_str(c->caller, c->caller_len);
	f[RF_TO_URI] = rules_call_str(c->callee, c->callee_len);
	f[RF_RURI] = rules_call_str(c->ruri, c->ruri_len);
	f[RF_METHOD] = f[RF_CSEQ_METHOD] = rules_call_str(c->method,
	    c->method_len);
	f[RF_USER_AGENT] = f[RF_SERVER] = rules_call_str(c->user_agent,
	    c->user_agent_len);
}

/* A wide message's fields, chained to the summary that frees them. */
struct rules_wide {
	struct rules_wide	*next;
	uint32_t		 sl[RULES_F__MAX][2];
};

/*
 * Set a message's fields from a scan of its bytes (rm->base); 0, or -1 on
 * allocation failure (a message too large for 16-bit offsets).
 */
static int
rules_set_all(struct rules_summary *s, struct rules_msg *rm,
    const struct sip_msg *sm)
{
	const struct sv_str	*v[RULES_F__MAX] = {
		&sm->method, &sm->ruri, &sm->call_id, &sm->cseq_method,
		&sm->from_uri, &sm->from_tag, &sm->to_uri, &sm->to_tag,
		&sm->via_host, &sm->via_branch, &sm->contact_uri,
		&sm->user_agent, &sm->server, &sm->body,
	};
	struct rules_wide	*w;
	int			 f;

	rm->wide = NULL;
	rm->ref = NULL;
	if (sm->len < RULES_F_REF16) {
		for (f = 0; f < RULES_F__MAX; f++) {
			rm->sl[f][0] = v[f]->s == NULL ? RULES_F_NONE16 :
			    (uint16_t)(v[f]->s - rm->base);
			rm->sl[f][1] = (uint16_t)v[f]->len;
		}
		return 0;
	}
	if ((w = malloc(sizeof *w)) == NULL)
		return -1;
	w->next = s->wide;
	s->wide = w;
	for (f = 0; f < RULES_F__MAX; f++) {
		w->sl[f][0] = v[f]->s == NULL ? RULES_F_NONE :
		    (uint32_t)(v[f]->s - rm->base);
		w->sl[f][1] = (uint32_t)v[f]->len;
	}
	rm->wide = w->sl;
	return 0;
}

/* Whether two slices hold the same bytes (rules_eq(), inlined). */
static inline int
rules_eq(struct sv_str a, struct sv_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.s, b.s, a.len) == 0);
}

/* Mark every field of a message absent. */
static void
rules_unset(struct rules_msg *rm)
{
	memset(rm->sl, 0xff, sizeof rm->sl);
	rm->wide = NULL;
	rm->ref = NULL;
	rm->base = NULL;
	rm->blen = 0;
}

/* Compare two slices case-insensitively; 1 when equal. */
static int
rules_ieq(struct sv_str a, struct sv_str b)
{
	return a.len == b.len && (a.len == 0 ||
	    (a.s != NULL && b.s != NULL && strncasecmp(a.s, b.s, a.len) == 0));
}

/* Whether a slice is present and non-empty. */
static int
rules_has(struct sv_str a)
{
	return a.s != NULL && a.len > 0;
}

/* Copy a slice into buf as printable text (controls become '?'), bounded. */
static void
rules_copy(char *buf, size_t size, struct sv_str v)
{
	size_t	i, n;

	if (size == 0)
		return;
	n = v.s == NULL ? 0 : v.len;
	if (n > size - 1)
		n = size - 1;
	if (n > RULES_VALUE_MAX)
		n = RULES_VALUE_MAX;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v.s[i];
		buf[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	buf[n] = '\0';
	if (v.s != NULL && v.len > n && size > n + 4)
		memcpy(buf + n, "...", 4);
}

/* Make a slice of a C string. */
static struct sv_str
rules_sv(const char *s)
{
	return (struct sv_str){ s, s != NULL ? strlen(s) : 0 };
}

/* The user part of a URI (parameters after ';' removed), or an absent slice. */
static struct sv_str
rules_uri_user(struct sv_str uri)
{
	struct sip_uri	 u;
	const char	*semi;

	if (uri.s == NULL || sipscan_uri(uri, &u) != 0 || u.user.s == NULL)
		return SV_STR_NULL;
	if ((semi = memchr(u.user.s, ';', u.user.len)) != NULL)
		u.user.len = (size_t)(semi - u.user.s);
	return u.user;
}

/* The host part of a URI, or an absent slice; *is_ip set when given. */
static struct sv_str
rules_uri_host(struct sv_str uri, int *is_ip)
{
	struct sip_uri	u;

	if (is_ip != NULL)
		*is_ip = 0;
	if (uri.s == NULL || sipscan_uri(uri, &u) != 0)
		return SV_STR_NULL;
	if (is_ip != NULL)
		*is_ip = u.host_is_ip;
	return u.host;
}

/*
 * Parse a dotted IPv4 address of exactly the form inet_pton() takes (four
 * decimal octets, no leading zeros) from len bytes, stopping at a NUL: 0,
 * -1 when it is not one, -2 when it is not but holds ':' or '[' (it may be
 * an IPv6 address, or bracketed).
 */
static int
rules_parse_ip4(const char *p, size_t len, uint8_t *ip)
{
	unsigned	v;
	size_t		i = 0;
	int		o, k;

	for (o = 0; o < 4; o++) {
		if (o > 0) {
			if (i == len || p[i] != '.')
				goto no;
			i++;
		}
		if (i == len || p[i] < '0' || p[i] > '9')
			goto no;
		/* Up to three digits, no leading zero. */
		v = (unsigned)(p[i++] - '0');
		for (k = 1; v != 0 && k < 3 && i < len && p[i] >= '0' &&
		    p[i] <= '9'; k++)
			v = v * 10 + (unsigned)(p[i++] - '0');
		if (v > 255)
			goto no;
		ip[o] = (uint8_t)v;
	}
	if (i == len || p[i] == '\0')
		return 0;
no:
	/* Everything before i was digits and dots. */
	for (; i < len && p[i] != '\0'; i++)
		if (p[i] == ':' || p[i] == '[')
			return -2;
	return -1;
}

/* Parse an IP literal slice into an address (port 0); 0 or -1. */
static int
rules_parse_ip(struct sv_str s, struct sv_addr *a)
{
	struct config_net	n;
	char			buf[64];
	uint8_t			ip[4];
	int			rc;

	if (s.s == NULL || s.len == 0 || s.len >= sizeof buf)
		return -1;
	/* Without ':' or '[' only a dotted IPv4 address can parse. */
	if ((rc = rules_parse_ip4(s.s, s.len, ip)) == -1)
		return -1;
	if (rc == 0) {
		memset(a, 0, sizeof *a);
		a->af = 4;
		memcpy(a->ip, ip, sizeof ip);
		return 0;
	}
	memcpy(buf, s.s, s.len);
	buf[s.len] = '\0';
	if (strchr(buf, '/') != NULL || config_parse_net(buf, &n) == -1)
		return -1;
	memset(a, 0, sizeof *a);
	a->af = n.af;
	memcpy(a->ip, n.ip, sizeof a->ip);
	return 0;
}

/* Whether an address is private (RFC 1918, RFC 6598, or IPv6 ULA). */
static int
rules_addr_private(const struct sv_addr *a)
{
	const uint8_t *p = a->ip;

	if (a->af == 4)
		return p[0] == 10 || (p[0] == 172 && (p[1] & 0xf0) == 16) ||
		    (p[0] == 192 && p[1] == 168) ||
		    (p[0] == 100 && (p[1] & 0xc0) == 64);
	if (a->af == 6)
		return (p[0] & 0xfe) == 0xfc;
	return 0;
}

/* Whether an address is public (routable, not private or local). */
static int
rules_addr_public(const struct sv_addr *a)
{
	static const uint8_t	v6_lo[16] = { [15] = 1 };
	const uint8_t		*p = a->ip;

	if (rules_addr_private(a))
		return 0;
	if (a->af == 4)
		return p[0] != 127 && p[0] != 0 && !(p[0] == 169 && p[1] == 254)
		    && p[0] < 224;
	if (a->af == 6)
		return memcmp(p, v6_lo, 16) != 0 &&
		    !(p[0] == 0xfe && (p[1] & 0xc0) == 0x80) && p[0] != 0xff &&
		    !(p[0] == 0 && p[1] == 0);
	return 0;
}

/*
 * Whether a host slice starts the way a private IP literal must (10.,
 * 100., 172., 192.168., fc or fd, maybe bracketed): a cheap necessary
 * condition before parsing it.
 */
static int
rules_private_prefix(const char *p, size_t n)
{
	if (n > 0 && p[0] == '[') {
		p++;
		n--;
	}
	if (n < 2)
		return 0;
	if (p[0] == '1')
		return (n >= 3 && p[1] == '0' && (p[2] == '.' ||
		    (n >= 4 && p[2] == '0' && p[3] == '.'))) ||
		    (n >= 4 && memcmp(p, "172.", 4) == 0) ||
		    (n >= 8 && memcmp(p, "192.168.", 8) == 0);
	return (p[0] | 0x20) == 'f' && ((p[1] | 0x20) == 'c' ||
	    (p[1] | 0x20) == 'd');
}

/* Whether a host slice is a private IP literal. */
static int
rules_host_private(struct sv_str host)
{
	struct sv_addr a;

	return host.s != NULL && rules_private_prefix(host.s, host.len) &&
	    rules_parse_ip(host, &a) == 0 && rules_addr_private(&a);
}

/* Whether a comma-separated list (qop="auth,auth-int") holds a token. */
static int
rules_list_has(struct sv_str list, struct sv_str tok)
{
	const char	*p, *end, *e;
	struct sv_str	 item;

	if (list.s == NULL || tok.s == NULL)
		return 0;
	p = list.s;
	end = list.s + list.len;
	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
			p++;
		e = p;
		while (e < end && *e != ',')
			e++;
		item.s = p;
		item.len = (size_t)(e - p);
		while (item.len > 0 && (item.s[item.len - 1] == ' ' ||
		    item.s[item.len - 1] == '\t'))
			item.len--;
		if (item.len > 0 && rules_ieq(item, tok))
			return 1;
		p = e;
	}
	return 0;
}

/* An algorithm's name with the default: an absent parameter is MD5. */
static struct sv_str
rules_alg(struct sv_str alg)
{
	return rules_has(alg) ? alg : rules_sv("MD5");
}

/* Whether a stale parameter says true. */
static int
rules_stale(struct sv_str s)
{
	return rules_ieq(s, rules_sv("true"));
}

/* Name of an auth header kind. */
static const char *
rules_auth_name(int kind)
{
	switch (kind) {
	case SIP_AUTH_WWW_AUTHENTICATE:
		return "WWW-Authenticate";
	case SIP_AUTH_PROXY_AUTHENTICATE:
		return "Proxy-Authenticate";
	case SIP_AUTH_AUTHORIZATION:
		return "Authorization";
	default:
		return "Proxy-Authorization";
	}
}

/* Whether a method slice names a method (name: letters only). */
static int
rules_is(struct sv_str method, const char *name)
{
	size_t	i;

	/*
	 * ASCII case-insensitive: for a letter d, (c | 0x20) == (d | 0x20)
	 * holds exactly when c is d in either case.
	 */
	if (method.s == NULL)
		return 0;
	for (i = 0; i < method.len; i++)
		if (name[i] == '\0' || ((unsigned char)method.s[i] | 0x20) !=
		    ((unsigned char)name[i] | 0x20))
			return 0;
	return name[i] == '\0';
}

/* Whether a final response code refuses credentials (401, 407, 403). */
static int
rules_refusal(int code)
{
	return code == 401 || code == 407 || code == 403;
}

/* ---- the summary ------------------------------------------------------ */

static int	rules_auth_reserve(struct rules_summary *, int);

/* Copy the scanned fields of one message into the summary; 0 or -1. */
static int
rules_take(struct rules_summary *s, struct rules_msg *rm,
    const struct sip_msg *sm)
{
	int		 i;

	rm->ok = 1;
	rm->is_request = sm->is_request;
	rm->status = sm->status;
	rm->cseq = sm->cseq;
	rm->via_has_rport = sm->via_has_rport;
	rm->base = sm->buf;
	rm->blen = (uint32_t)sm->len;
	if (rules_set_all(s, rm, sm) != 0)
		return -1;
	rm->auth0 = s->n_auth;
	rm->n_auth = 0;
	if (sm->n_auth <= 0)
		return 0;
	if (rules_auth_reserve(s, sm->n_auth < SIP_MAX_AUTH ? sm->n_auth :
	    SIP_MAX_AUTH) != 0)
		return -1;
	for (i = 0; i < sm->n_auth && i < SIP_MAX_AUTH; i++)
		s->auth[s->n_auth++] = sm->auth[i];
	rm->n_auth = s->n_auth - rm->auth0;
	return 0;
}

/* ---- the history of other calls (retries on a new Call-ID) ----------- */

#define RULES_HIST_N	512	/* entries kept */
#define RULES_HIST_STR	128	/* bytes kept of each key */

enum {
	RULES_HIST_CHALLENGE = 1,	/* a 401/407 to an INVITE */
	RULES_HIST_CREDENTIALS,		/* an initial INVITE with credentials */
};

/* One recorded message: its kind, keys, place in capture order and time. */
struct rules_hist_entry {
	uint64_t	 seq;		/* order of observation, 1-based */
	int64_t		 clock;		/* history clock when recorded */
	int64_t		 ts;		/* capture time, 0 until its call is judged */
	uint8_t		 kind;
	uint8_t		 len[4];	/* call-id, from, to, ruri */
	char		 key[4][RULES_HIST_STR];
};

struct rules_history {
	struct rules_hist_entry	 e[RULES_HIST_N];
	uint64_t		 seq;		/* entries recorded so far */
	int64_t			 clock;		/* latest judge time seen */
};

/* Create an empty history; NULL on allocation failure. */
struct rules_history *
rules_history_new(void)
{
	return calloc(1, sizeof(struct rules_history));
}

/* Free a history (NULL is fine). */
void
rules_history_free(struct rules_history *h)
{
	free(h);
}

/* Copy a key slice into an entry (longer keys are cut, and so compared). */
static void
rules_hist_key(struct rules_hist_entry *e, int k, struct sv_str v)
{
	size_t	n = v.s == NULL ? 0 : v.len;

	if (n > RULES_HIST_STR)
		n = RULES_HIST_STR;
	if (n > 0)
		memcpy(e->key[k], v.s, n);
	e->len[k] = (uint8_t)(n > 255 ? 255 : n);
}

/* Whether an entry's key k is the slice v (cut like rules_hist_key()). */
static int
rules_hist_is(const struct rules_hist_entry *e, int k, struct sv_str v)
{
	size_t	n = v.s == NULL ? 0 : v.len;

	if (n > RULES_HIST_STR)
		n = RULES_HIST_STR;
	return e->len[k] == n && (n == 0 || memcmp(e->key[k], v.s, n) == 0);
}

/* Record a challenge to an INVITE or an initial INVITE with credentials. */
static void
rules_history_observe(struct rules_history *h, const struct sip_msg *sm)
{
	struct rules_hist_entry	*e;
	int			 kind = 0, i;

	if (sm->bad & SIP_BAD_START_LINE)
		return;
	if (!sm->is_request) {
		if ((sm->status == 401 || sm->status == 407) &&
		    rules_is(sm->cseq_method, "INVITE"))
			kind = RULES_HIST_CHALLENGE;
	} else if (sm->n_auth > 0 && sm->to_tag.s == NULL &&
	    rules_is(sm->method, "INVITE")) {
		for (i = 0; i < sm->n_auth && i < SIP_MAX_AUTH; i++)
			if (sm->auth[i].kind >= SIP_AUTH_AUTHORIZATION)
				kind = RULES_HIST_CREDENTIALS;
	}
	if (kind == 0)
		return;
	e = &h->e[h->seq % RULES_HIST_N];
	e->seq = ++h->seq;
	e->clock = h->clock;
	e->ts = 0;
	e->kind = (uint8_t)kind;
	rules_hist_key(e, 0, sm->call_id);
	rules_hist_key(e, 1, sm->from_uri);
	rules_hist_key(e, 2, sm->to_uri);
	rules_hist_key(e, 3, sm->is_request ? sm->ruri : SV_STR_NULL);
}

/* The latest entry of a kind recorded for a Call-ID, or NULL. */
static struct rules_hist_entry *
rules_hist_own(struct rules_history *h, int kind, struct sv_str call_id)
{
	struct rules_hist_entry	*e, *best = NULL;
	int			 i;

	for (i = 0; i < RULES_HIST_N; i++) {
		e = &h->e[i];
		if (e->seq == 0 || e->kind != kind ||
		    !rules_hist_is(e, 0, call_id))
			continue;
		if (best == NULL || e->seq > best->seq)
			best = e;
	}
	return best;
}

/*
 * Whether entry o (another call's) matches this call's entry e by From URI,
 * To URI and, where both have one, Request-URI.
 */
static int
rules_hist_match(const struct rules_hist_entry *e,
    const struct rules_hist_entry *o)
{
	return o->seq != 0 && o->len[0] > 0 && (o->len[0] != e->len[0] ||
	    memcmp(o->key[0], e->key[0], e->len[0]) != 0) &&
	    o->len[1] == e->len[1] && memcmp(o->key[1], e->key[1],
	    e->len[1]) == 0 && o->len[2] == e->len[2] &&
	    memcmp(o->key[2], e->key[2], e->len[2]) == 0 &&
	    (o->len[3] == 0 || e->len[3] == 0 || (o->len[3] == e->len[3] &&
	    memcmp(o->key[3], e->key[3], e->len[3]) == 0));
}

/*
 * Whether an entry's own call was challenged before it (then its
 * credentials answer that challenge: a retry on its own call, not one
 * that left another call).
 */
static int
rules_hist_challenged_before(const struct rules_history *h,
    const struct rules_hist_entry *e)
{
	const struct rules_hist_entry	*o;
	int				 i;

	for (i = 0; i < RULES_HIST_N; i++) {
		o = &h->e[i];
		if (o->kind == RULES_HIST_CHALLENGE && o->seq != 0 &&
		    o->seq < e->seq && o->len[0] == e->len[0] &&
		    memcmp(o->key[0], e->key[0], e->len[0]) == 0)
			return 1;
	}
	return 0;
}

/* Copy an entry's Call-ID into a summary's buffer. */
static void
rules_hist_copy_id(char *buf, size_t size, const struct rules_hist_entry *e)
{
	size_t	n = e->len[0] < size - 1 ? e->len[0] : size - 1;

	memcpy(buf, e->key[0], n);
	buf[n] = '\0';
}

/*
 * A message's record (rules_observe(), rules_observe_copy()): flags, the
 * number of auth headers, then each slice of the message as a 16-bit
 * offset and a 16-bit length (offset 0xffff: absent), in enum rules_field
 * order (the layout of struct rules_msg's sl, so taking it is one memcpy();
 * the rules read each field through rules_f()); then per auth header its
 * kind and its slices.  The offsets are into the message's bytes, or with
 * RULES_REC_STRINGS (rules_observe_copy()) into the string area that ends
 * the record: a copy of the bytes the slices cover (overlapping slices,
 * such as an auth header's parameters within its value, share them), so
 * that the tracker may drop the raw bytes.  It holds exactly what
 * rules_take() takes, so no message is scanned twice.  With RULES_REC_REF
 * a message slice may instead be offset RULES_F_REF16: the same bytes as
 * the call's own string for it (rules_call_fields()), so that the Call-ID,
 * From and To URIs a call repeats in every message are not copied into
 * each record.
 */
#define RULES_REC_RPORT		0x01	/* via_has_rport */
#define RULES_REC_NOT_SIP	0x02	/* no start line: the rules skip it */
#define RULES_REC_STRINGS	0x04	/* slices point into the string area */
#define RULES_REC_REF		0x08	/* some slices are the call's strings */
#define RULES_REC_SLICES	14	/* slices of a message */
#define RULES_REC_AUTH_SLICES	15	/* slices of an auth header */
#define RULES_REC_NONE		0xffff	/* offset of an absent slice */
_Static_assert(RULES_REC_SLICES == RULES_F__MAX &&
    sizeof(((struct rules_msg *)0)->sl) == RULES_REC_SLICES * 4,
    "the record's slices are struct rules_msg's sl, in enum rules_field order");
_Static_assert(RULES_REC_NONE == RULES_F_NONE16, "one absent offset");
_Static_assert(TRACKER_RECORD_MAX < RULES_F_REF16,
    "a string area offset is never the reference mark");
#define RULES_REC_MSG_LEN	(2 + RULES_REC_SLICES * 4)
#define RULES_REC_AUTH_LEN	(1 + RULES_REC_AUTH_SLICES * 4)
#define RULES_REC_MAX_SLICES	(RULES_REC_SLICES + \
	    SIP_MAX_AUTH * RULES_REC_AUTH_SLICES)	/* of a record */

/*
 * Encode slice f of o (which lies in base, the scanner's guarantee) as
 * words 2k and 2k+1 of w.
 */
#define RULES_ENC(w, k, o, f, base) do {				\
	(w)[2 * (k)] = (o)->f.s != NULL ?				\
	    (uint16_t)((o)->f.s - (base)) : RULES_REC_NONE;		\
	(w)[2 * (k) + 1] = (uint16_t)(o)->f.len;			\
} while (0)

/* Decode words 2k and 2k+1 of w into slice f of o, bounded by len. */
#define RULES_DEC(w, k, o, f, base, len, bad) do {			\
	if ((w)[2 * (k)] == RULES_REC_NONE)				\
		(o)->f = SV_STR_NULL;					\
	else {								\
		(bad) |= (size_t)(w)[2 * (k)] + (w)[2 * (k) + 1] > (len);\
		(o)->f.s = (base) + (w)[2 * (k)];			\
		(o)->f.len = (w)[2 * (k) + 1];				\
	}								\
} while (0)

/* Apply X to every slice of a message, in record (enum rules_field) order. */
#define RULES_MSG_EACH(X, w, o, ...)					\
	X(w, 0, o, method, __VA_ARGS__); X(w, 1, o, ruri, __VA_ARGS__);	\
	X(w, 2, o, call_id, __VA_ARGS__);				\
	X(w, 3, o, cseq_method, __VA_ARGS__);				\
	X(w, 4, o, from_uri, __VA_ARGS__);				\
	X(w, 5, o, from_tag, __VA_ARGS__);				\
	X(w, 6, o, to_uri, __VA_ARGS__); X(w, 7, o, to_tag, __VA_ARGS__);	\
	X(w, 8, o, via_host, __VA_ARGS__);				\
	X(w, 9, o, via_branch, __VA_ARGS__);				\
	X(w, 10, o, contact_uri, __VA_ARGS__);				\
	X(w, 11, o, user_agent, __VA_ARGS__);				\
	X(w, 12, o, server, __VA_ARGS__); X(w, 13, o, body, __VA_ARGS__)

/* Apply X to every slice of an auth header, in record order. */
#define RULES_AUTH_EACH(X, w, o, ...)					\
	X(w, 0, o, value, __VA_ARGS__); X(w, 1, o, scheme, __VA_ARGS__);	\
	X(w, 2, o, realm, __VA_ARGS__); X(w, 3, o, nonce, __VA_ARGS__);	\
	X(w, 4, o, username, __VA_ARGS__); X(w, 5, o, uri, __VA_ARGS__);	\
	X(w, 6, o, response, __VA_ARGS__);				\
	X(w, 7, o, algorithm, __VA_ARGS__); X(w, 8, o, qop, __VA_ARGS__);	\
	X(w, 9, o, nc, __VA_ARGS__); X(w, 10, o, cnonce, __VA_ARGS__);	\
	X(w, 11, o, opaque, __VA_ARGS__); X(w, 12, o, stale, __VA_ARGS__);	\
	X(w, 13, o, domain, __VA_ARGS__);				\
	X(w, 14, o, userhash, __VA_ARGS__)

/*
 * Copy the bytes of slice k of w (words 2k, 2k+1: offset into buf and
 * length) to area at *used (room for cap bytes) and point the slice there;
 * 0, or -1 when it does not fit or lies outside len bytes.
 */
static inline int
rules_rec_copy(uint16_t *w, int k, const char *buf, size_t len,
    unsigned char *area, size_t cap, size_t *used)
{
	size_t	o = w[2 * k], l = w[2 * k + 1];

	if (o == RULES_REC_NONE)
		return 0;
	if (o + l > len || *used + l > cap)
		return -1;
	if (l > 0)
		memcpy(area + *used, buf + o, l);
	w[2 * k] = (uint16_t)*used;
	*used += l;
	return 0;
}

/*
 * Copy the c= and o= lines of the body in slice k of w (words 2k, 2k+1:
 * offset into buf and length), each with its line end, to area at *used
 * (room for cap bytes) and point the slice there: all that the rules read
 * of a body that no digest covers (rules_sdp_private() looks at nothing
 * else, line by line).  0, or -1 when they do not fit or lie outside len.
 */
static int
rules_rec_sdp(uint16_t *w, int k, const char *buf, size_t len,
    unsigned char *area, size_t cap, size_t *used)
{
	const char	*p, *end, *eol;
	size_t		 o = w[2 * k], l = w[2 * k + 1], start = *used, n;

	if (o == RULES_REC_NONE)
		return 0;
	if (o + l > len)
		return -1;
	for (p = buf + o, end = p + l; p < end; p = eol) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		else
			eol++;
		if (eol - p < 2 || p[1] != '=' || (p[0] != 'c' && p[0] != 'o'))
			continue;
		n = (size_t)(eol - p);
		if (*used + n > cap)
			return -1;
		memcpy(area + *used, p, n);
		*used += n;
	}
	w[2 * k] = (uint16_t)start;
	w[2 * k + 1] = (uint16_t)(*used - start);
	return 0;
}

/*
 * Copy the bytes the slices of a message (RULES_REC_SLICES in w) and of its
 * n auth headers (RULES_REC_AUTH_SLICES each, after) cover to area (room
 * for cap bytes), pointing the slices there: an auth header's parameters
 * lie within its value and share its copy.  A message slice holding the
 * same bytes as the call's own string for it (c: the call, or NULL) becomes
 * RULES_F_REF16 instead, and *refs tells whether any did.  Unless sdp_full,
 * the body keeps only its c= and o= lines (rules_rec_sdp()).  The bytes
 * used, or -1 when they do not fit.
 */
static int
rules_rec_strings(uint16_t *w, int n, const char *buf, size_t len,
    const struct call *c, int sdp_full, unsigned char *area, size_t cap,
    int *refs)
{
	struct sv_str	 cf[RULES_F__MAX];
	uint16_t	*aw;
	size_t		 used = 0, vo, vl, o, l;
	int		 i, k;

	*refs = 0;
	/* What the rules will read for a shared slice (rules_f()). */
	rules_call_fields(c, cf);
	for (k = 0; k < RULES_REC_SLICES; k++) {
		o = w[2 * k];
		l = w[2 * k + 1];
		if (cf[k].s != NULL && l == cf[k].len && o != RULES_REC_NONE &&
		    o + l <= len && memcmp(cf[k].s, buf + o, l) == 0) {
			w[2 * k] = RULES_F_REF16;
			*refs = 1;
			continue;
		}
		if (k == RF_BODY && !sdp_full) {
			if (rules_rec_sdp(w, k, buf, len, area, cap, &used) != 0)
				return -1;
			continue;
		}
		if (rules_rec_copy(w, k, buf, len, area, cap, &used) != 0)
			return -1;
	}
	for (i = 0; i < n; i++) {
		aw = w + RULES_REC_SLICES * 2 + i * RULES_REC_AUTH_SLICES * 2;
		vo = aw[0];
		vl = aw[1];
		if (rules_rec_copy(aw, 0, buf, len, area, cap, &used) != 0)
			return -1;
		for (k = 1; k < RULES_REC_AUTH_SLICES; k++) {
			o = aw[2 * k];
			if (vo != RULES_REC_NONE && o != RULES_REC_NONE &&
			    o >= vo && o + aw[2 * k + 1] <= vo + vl)
				aw[2 * k] = (uint16_t)(aw[0] + (o - vo));
			else if (rules_rec_copy(aw, k, buf, len, area, cap,
			    &used) != 0)
				return -1;
		}
	}
	return (int)used;
}

/*
 * Record what the rules need of a scanned message, its slices pointing into
 * the message's bytes or, with copy, into a copy of the bytes they cover.
 */
static size_t
rules_observe_rec(void *arg, const struct sip_msg *sm, const struct call *c,
    unsigned char *rec, size_t cap, int copy)
{
	uint16_t		 w[RULES_REC_MAX_SLICES * 2], *aw;
	unsigned char		*p = rec;
	size_t			 hdr;
	int			 i, n, used, refs = 0, sdp_full = 0;

	if (arg != NULL)
		rules_history_observe(arg, sm);
	if (sm->len >= RULES_REC_NONE || cap < 2)
		return 0;
	if (sm->bad & SIP_BAD_START_LINE) {
		rec[0] = RULES_REC_NOT_SIP;
		rec[1] = 0;
		return 2;
	}
	n = sm->n_auth < SIP_MAX_AUTH ? sm->n_auth : SIP_MAX_AUTH;
	if (n < 0)
		n = 0;
	hdr = RULES_REC_MSG_LEN + (size_t)n * RULES_REC_AUTH_LEN;
	if (cap < hdr)
		return 0;
	RULES_MSG_EACH(RULES_ENC, w, sm, sm->buf);
	for (i = 0; i < n; i++) {
		aw = w + RULES_REC_SLICES * 2 + i * RULES_REC_AUTH_SLICES * 2;
		RULES_AUTH_EACH(RULES_ENC, aw, &sm->auth[i], sm->buf);
	}
	used = 0;
	/* A body a digest may cover (auth-int) is kept whole. */
	for (i = 0; i < n && sdp_full == 0; i++)
		sdp_full = sm->auth[i].kind >= SIP_AUTH_AUTHORIZATION;
	if (copy && (used = rules_rec_strings(w, n, sm->buf, sm->len, c,
	    sdp_full, rec + hdr, cap - hdr, &refs)) < 0)
		return 0;
	*p++ = (sm->via_has_rport ? RULES_REC_RPORT : 0) |
	    (copy ? RULES_REC_STRINGS : 0) | (refs ? RULES_REC_REF : 0);
	*p++ = (unsigned char)n;
	memcpy(p, w, RULES_REC_SLICES * 4);
	p += RULES_REC_SLICES * 4;
	for (i = 0; i < n; i++) {
		*p++ = (unsigned char)sm->auth[i].kind;
		memcpy(p, w + RULES_REC_SLICES * 2 + i * RULES_REC_AUTH_SLICES *
		    2, RULES_REC_AUTH_SLICES * 4);
		p += RULES_REC_AUTH_SLICES * 4;
	}
	return hdr + (size_t)used;
}

/* Record what the rules need of a message, read later from its bytes. */
size_t
rules_observe(void *arg, const struct sip_msg *sm, const struct call *c,
    unsigned char *rec, size_t cap)
{
	(void)c;
	return rules_observe_rec(arg, sm, NULL, rec, cap, 0);
}

/* Record what the rules need of a message, with a copy of those bytes. */
size_t
rules_observe_copy(void *arg, const struct sip_msg *sm, const struct call *c,
    unsigned char *rec, size_t cap)
{
	return rules_observe_rec(arg, sm, c, rec, cap, 1);
}

/* Make room for n more auth headers in the summary; 0 or -1. */
static int
rules_auth_reserve(struct rules_summary *s, int n)
{
	struct sip_auth	*v;
	int		 cap;

	if (s->n_auth + n <= s->auth_cap)
		return 0;
	cap = s->auth_cap * 2 > s->n_auth + n ? s->auth_cap * 2 :
	    s->n_auth + n + 8;
	if ((v = reallocarray(NULL, (size_t)cap, sizeof *v)) == NULL)
		return -1;
	if (s->n_auth > 0)
		memcpy(v, s->auth, (size_t)s->n_auth * sizeof *v);
	if (!s->auth_borrowed)
		free(s->auth);
	s->auth = v;
	s->auth_cap = cap;
	s->auth_borrowed = 0;
	return 0;
}

/*
 * Fill a message's fields from its record as rules_take() would from a
 * scan; 1 when taken, 0 when the record says it is not SIP, -1 when the
 * record is unusable (the caller scans instead), -2 on allocation failure.
 */
static int
rules_take_record(struct rules_summary *s, struct rules_msg *rm,
    const struct msg *msg, const unsigned char *rec, size_t reclen)
{
	const unsigned char *p = rec;
	const char	*base;
	size_t		 len, hdr;
	uint16_t	 w[RULES_REC_AUTH_SLICES * 2];
	struct sip_auth	*a;
	int		 i, n, bad = 0;

	if (reclen < 2)
		return -1;
	if (p[0] & RULES_REC_NOT_SIP)
		return 0;
	n = p[1];
	hdr = RULES_REC_MSG_LEN + (size_t)n * RULES_REC_AUTH_LEN;
	if (n > SIP_MAX_AUTH || reclen < hdr)
		return -1;
	/* Only a copying record shares the call's strings. */
	if ((p[0] & (RULES_REC_REF | RULES_REC_STRINGS)) == RULES_REC_REF)
		return -1;
	if (p[0] & RULES_REC_STRINGS) {
		/* The slices point into the record's own string area. */
		base = (const char *)rec + hdr;
		len = reclen - hdr;
	} else {
		/* They point into the message's bytes, which must be here. */
		if (msg->raw == NULL || reclen != hdr)
			return -1;
		base = msg->raw;
		len = msg->len;
	}
	rm->via_has_rport = (p[0] & RULES_REC_RPORT) != 0;
	p += 2;
	/* The record's words as they are; rules_f() checks them. */
	memcpy(rm->sl, p, sizeof rm->sl);
	rm->wide = NULL;
	rm->ref = (rec[0] & RULES_REC_REF) ? s->callf : NULL;
	rm->base = base;
	rm->blen = (uint32_t)len;
	p += RULES_REC_SLICES * 4;
	rm->auth0 = s->n_auth;
	rm->n_auth = 0;
	if (n > 0) {
		if (rules_auth_reserve(s, n) != 0)
			return -2;
		for (i = 0; i < n; i++) {
			a = &s->auth[s->n_auth];
			a->kind = (enum sip_auth_kind)*p++;
			memcpy(w, p, RULES_REC_AUTH_SLICES * 4);
			RULES_AUTH_EACH(RULES_DEC, w, a, base, len, bad);
			if (bad)
				return -1;
			p += RULES_REC_AUTH_SLICES * 4;
			s->n_auth++;
		}
		rm->n_auth = n;
	}
	rm->ok = 1;
	return 1;
}

/* The response value of a request's credentials (retransmission check). */
static struct sv_str
rules_response_of(const struct rules_summary *s, const struct rules_msg *rm)
{
	int	i;

	for (i = 0; i < rm->n_auth; i++)
		if (s->auth[rm->auth0 + i].kind >= SIP_AUTH_AUTHORIZATION)
			return s->auth[rm->auth0 + i].response;
	return SV_STR_NULL;
}

/* Whether a request carries credentials. */
static int
rules_has_credentials(const struct rules_summary *s, const struct rules_msg *rm)
{
	int	i;

	for (i = 0; i < rm->n_auth; i++)
		if (s->auth[rm->auth0 + i].kind >= SIP_AUTH_AUTHORIZATION)
			return 1;
	return 0;
}

/* Find the transaction of a request key searching back; index or -1. */
static int
rules_find_txn(const struct rules_summary *s, const struct rules_msg *rm,
    struct sv_str method)
{
	const struct rules_msg	*q;
	int			 t, stop;

	stop = s->n_t > RULES_LOOKBACK ? s->n_t - RULES_LOOKBACK : 0;
	for (t = s->n_t - 1; t >= stop; t--) {
		q = &s->m[s->t[t].req];
		if (q->cseq != rm->cseq)
			continue;
		if (rules_has(rules_f(rm, RF_VIA_BRANCH)) || rules_has(rules_f(q, RF_VIA_BRANCH))) {
			if (rules_f(q, RF_VIA_BRANCH).len == rules_f(rm, RF_VIA_BRANCH).len &&
			    rules_eq(rules_f(q, RF_VIA_BRANCH), rules_f(rm, RF_VIA_BRANCH)) &&
			    rules_ieq(rules_f(q, RF_METHOD), method))
				return t;
			continue;
		}
		/* RFC 2543 peers: no branch, match on the From tag. */
		if (rules_eq(rules_f(q, RF_FROM_TAG), rules_f(rm, RF_FROM_TAG)) &&
		    rules_ieq(rules_f(q, RF_METHOD), method))
			return t;
	}
	return -1;
}

/* Whether a To tag was given by an earlier 1xx/2xx (an established dialog). */
static int
rules_dialog_tag(const struct rules_summary *s, int upto, struct sv_str tag,
    int *error_tag)
{
	int	i;

	*error_tag = 0;
	/* Backwards, bounded: the dialog's latest response is usually near. */
	for (i = upto - 1; i >= 0 && i >= upto - 2048; i--) {
		const struct rules_msg *q = &s->m[i];

		if (!q->ok || q->is_request || !rules_eq(rules_f(q, RF_TO_TAG), tag))
			continue;
		if (q->status > 100 && q->status < 300)
			return 1;
		if (q->status >= 300)
			*error_tag = 1;
	}
	return 0;
}

/* Add a request to the transactions (or mark it a retransmission); 0 or -1. */
static void
rules_sum_request(struct rules_summary *s, int i)
{
	struct rules_msg	*rm = &s->m[i];
	struct rules_txn	*t;
	int			 k, err_tag;

	if (rules_is(rules_f(rm, RF_METHOD), "ACK")) {
		k = rules_find_txn(s, rm, rules_sv("INVITE"));
		if (k < 0)
			return;
		t = &s->t[k];
		if (t->final < 0 || t->final_code < 300)
			return;
		if (t->ack >= 0) {
			rm->retrans = 1;
			rm->txn = k;
		} else {
			t->ack = i;
			rm->txn = k;
		}
		return;
	}
	k = rules_find_txn(s, rm, rules_f(rm, RF_METHOD));
	if (k >= 0 && rules_eq(rules_response_of(s, &s->m[s->t[k].req]),
	    rules_response_of(s, rm))) {
		rm->retrans = 1;
		rm->txn = k;
		s->t[k].n_req++;
		return;
	}
	t = &s->t[s->n_t];
	memset(t, 0, sizeof *t);
	t->req = i;
	t->n_req = 1;
	t->first_resp = t->final = t->ack = t->credentials = -1;
	if (rules_has(rules_f(rm, RF_TO_TAG))) {
		int dialog = rules_dialog_tag(s, i, rules_f(rm, RF_TO_TAG), &err_tag);

		/* A To tag only a 401/407 gave: a broken retry, not a dialog. */
		t->in_dialog = dialog || !err_tag;
	}
	rm->retrans = 0;
	rm->txn = s->n_t++;
}

/* Attach a response to its transaction, marking retransmissions. */
static void
rules_sum_response(struct rules_summary *s, int i)
{
	struct rules_msg	*rm = &s->m[i];
	struct rules_txn	*t;
	int			 k, j;

	k = rules_find_txn(s, rm, rules_f(rm, RF_CSEQ_METHOD));
	if (k < 0)
		return;
	t = &s->t[k];
	rm->txn = k;
	rm->retrans = 0;
	for (j = i - 1; j > t->req && j >= i - 64; j--) {
		const struct rules_msg *q = &s->m[j];

		if (q->ok && !q->is_request && q->txn == k &&
		    q->status == rm->status && rules_eq(rules_f(q, RF_TO_TAG), rules_f(rm, RF_TO_TAG))) {
			rm->retrans = 1;
			break;
		}
	}
	if (t->first_resp < 0)
		t->first_resp = i;
	if (rm->status >= 200) {
		if (t->final < 0) {
			t->final = i;
			t->final_code = rm->status;
			t->n_final = 1;
		} else if (rm->retrans && rm->status == t->final_code)
			t->n_final++;
	}
}

/* Pick the answer's header and the challenge header it answers. */
static void
rules_sum_answer(struct rules_summary *s, struct rules_answer *a)
{
	const struct rules_msg		*rm = &s->m[a->msg];
	const struct rules_challenge	*c;
	const struct rules_msg		*cm;
	const struct sip_auth		*x, *o;
	int				 i, j, best = -1, offer = -1;

	a->auth = -1;
	a->offer = -1;
	c = a->latest >= 0 ? &s->ch[a->latest] : NULL;
	cm = c != NULL ? &s->m[c->msg] : NULL;
	for (i = 0; i < rm->n_auth; i++) {
		x = &s->auth[rm->auth0 + i];
		if (x->kind < SIP_AUTH_AUTHORIZATION)
			continue;
		if (best < 0)
			best = rm->auth0 + i;
		if (cm == NULL)
			break;
		for (j = 0; j < cm->n_auth; j++) {
			o = &s->auth[cm->auth0 + j];
			if (o->kind >= SIP_AUTH_AUTHORIZATION)
				continue;
			if (rules_has(x->nonce) && rules_eq(o->nonce, x->nonce)) {
				a->auth = rm->auth0 + i;
				a->offer = cm->auth0 + j;
				return;
			}
			if (offer < 0 && rules_ieq(o->realm, x->realm)) {
				best = rm->auth0 + i;
				offer = cm->auth0 + j;
			}
		}
	}
	a->auth = best;
	if (offer < 0 && cm != NULL)
		for (j = 0; j < cm->n_auth; j++)
			if (s->auth[cm->auth0 + j].kind < SIP_AUTH_AUTHORIZATION) {
				offer = cm->auth0 + j;
				break;
			}
	a->offer = offer;
}

/* Recognise a PBX from a User-Agent or Server value. */
int
rules_pbx_detect(struct sv_str ua)
{
	/* In order of precedence; the first that occurs anywhere wins. */
	static const struct {
		const char	*needle;
		size_t		 len;
		int		 pbx;
	} known[] = {
		{ "Cisco-SIPGateway", 16, RULES_PBX_CUBE },
		{ "Cisco-CUBE", 10, RULES_PBX_CUBE },
		{ "Asterisk", 8, RULES_PBX_ASTERISK },
		{ "FPBX", 4, RULES_PBX_ASTERISK },
		{ "FreeSWITCH", 10, RULES_PBX_FREESWITCH },
		{ "kamailio", 8, RULES_PBX_KAMAILIO },
		{ "OpenSIPS", 8, RULES_PBX_OPENSIPS },
		{ "3CX", 3, RULES_PBX_3CX },
	};
	/* The bytes a needle starts with, either case. */
	static const unsigned char starts[256] = {
		['C'] = 1, ['c'] = 1, ['A'] = 1, ['a'] = 1, ['F'] = 1,
		['f'] = 1, ['K'] = 1, ['k'] = 1, ['O'] = 1, ['o'] = 1,
		['3'] = 1,
	};
	size_t		i, k, best = sizeof known / sizeof *known;
	unsigned char	c;

	if (ua.s == NULL)
		return RULES_PBX_GENERIC;
	/* One pass: only bytes that start a needle are compared. */
	for (k = 0; k < ua.len && best > 0; k++) {
		if (!starts[(unsigned char)ua.s[k]])
			continue;
		c = (unsigned char)ua.s[k] | 0x20;
		for (i = 0; i < best; i++)
			if (((unsigned char)known[i].needle[0] | 0x20) == c &&
			    known[i].len <= ua.len - k &&
			    strncasecmp(ua.s + k, known[i].needle,
			    known[i].len) == 0)
				best = i;
	}
	return best < sizeof known / sizeof *known ? known[best].pbx :
	    RULES_PBX_GENERIC;
}

/* Work out who is Vapi, which host kind, and which PBX. */
static void
rules_sum_roles(const struct config *cfg, struct rules_summary *s)
{
	const struct rules_msg	*f;
	struct sv_str		 host;
	struct sv_addr		 lit;
	int			 is_ip, i, pbx;

	if (s->first < 0)
		return;
	f = &s->m[s->first];
	host = rules_uri_host(rules_f(f, RF_RURI), &is_ip);
	s->host_kind = config_is_vapi_host(cfg, host);
	if (s->host_kind == CONFIG_HOST_NONE)
		s->host_kind = config_is_vapi_host(cfg,
		    rules_uri_host(rules_f(f, RF_TO_URI), NULL));
	s->into_vapi = s->host_kind != CONFIG_HOST_NONE ||
	    config_is_vapi_addr(cfg, &f->dst) ||
	    (is_ip && rules_parse_ip(host, &lit) == 0 &&
	    config_is_vapi_addr(cfg, &lit));
	/*
	 * A request addressed to an IP literal names no Vapi host; the
	 * challenge from the far side still does: its realm is Vapi's.
	 */
	for (i = 0; !s->into_vapi && i < s->n_ch; i++) {
		const struct rules_msg *q = &s->m[s->ch[i].msg];
		int k;

		if (sv_addr_cmp(&q->src, &f->dst) != 0)
			continue;
		for (k = 0; k < q->n_auth; k++)
			if (config_is_vapi_host(cfg,
			    s->auth[q->auth0 + k].realm) != CONFIG_HOST_NONE)
				s->into_vapi = 1;
	}
	if (!s->into_vapi)
		s->from_vapi = config_is_vapi_addr(cfg, &f->src) ||
		    config_is_vapi_host(cfg, rules_uri_host(rules_f(f, RF_FROM_URI), NULL)) ||
		    config_is_vapi_host(cfg, rules_f(f, RF_VIA_HOST)) ||
		    (rules_parse_ip(rules_f(f, RF_VIA_HOST), &lit) == 0 &&
		    config_is_vapi_addr(cfg, &lit));

	/* The PBX is the caller into Vapi, or the callee of Vapi's calls. */
	pbx = RULES_PBX_GENERIC;
	for (i = 0; i < s->n_m && pbx == RULES_PBX_GENERIC; i++) {
		const struct rules_msg *q = &s->m[i];

		if (!q->ok)
			continue;
		if (s->from_vapi) {
			if (!q->is_request || sv_addr_cmp(&q->src, &f->src) != 0)
				pbx = rules_pbx_detect(rules_has(rules_f(q, RF_SERVER)) ?
				    rules_f(q, RF_SERVER) : rules_f(q, RF_USER_AGENT));
		} else if (q->is_request && sv_addr_cmp(&q->src, &f->src) == 0)
			pbx = rules_pbx_detect(rules_f(q, RF_USER_AGENT));
	}
	if (pbx == RULES_PBX_GENERIC && s->call != NULL &&
	    s->call->user_agent != NULL)
		pbx = rules_pbx_detect(rules_sv(s->call->user_agent));
	s->pbx = pbx;
}

/* Set a summary message's fields that come from the tracker's message. */
static void
rules_msg_base(struct rules_msg *rm, const struct msg *msg, int auth0)
{
	rm->ts = msg->ts;
	rm->frame = msg->frame;
	rm->src = msg->src;
	rm->dst = msg->dst;
	rm->transport = msg->transport;
	rm->fragmented = msg->fragmented;
	rm->len = msg->len;
	rm->is_request = msg->is_request;
	rm->status = msg->status;
	rm->cseq = msg->cseq;
	rm->retrans = msg->retrans;
	rm->txn = -1;
	rm->auth0 = auth0;
	rm->n_auth = 0;
	rm->ref = NULL;
}

/*
 * Take a message's scanned fields, from the tracker's record when there is
 * one, else by scanning its raw bytes: 1 when taken, 0 when it is not SIP
 * (or its bytes are gone), -1 on allocation failure.
 */
static int
rules_scan_msg(struct rules_summary *s, struct rules_msg *rm,
    const struct msg *msg)
{
	struct sip_msg		 sm;
	const unsigned char	*rec;
	size_t			 reclen;
	int			 rc = -1, n_auth = s->n_auth;

	if ((rec = msg_record(msg, &reclen)) != NULL) {
		if ((rc = rules_take_record(s, rm, msg, rec, reclen)) == -2)
			return -1;
		if (rc == -1) {
			s->n_auth = n_auth;
			rm->auth0 = n_auth;
			rm->n_auth = 0;
		}
	}

	if (rc >= 0)
		return rc;
	if (msg->raw == NULL || sipscan_parse(msg->raw, msg->len, &sm) != 0 ||
	    (sm.bad & SIP_BAD_START_LINE))
		return 0;
	if (rules_take(s, rm, &sm) == -1)
		return -1;
	return 1;
}

/*
 * Build a summary, in buf (size bytes) when its arrays fit and with auth
 * (room for n_auth headers) to start with; 0 or -1.
 */
static int
rules_summarize_in(const struct config *cfg, const struct call *c,
    int64_t now, struct rules_summary *s, void *buf, size_t size,
    struct sip_auth *auth, int n_auth)
{
	size_t		 n, one;
	int		 i, k, rc, first_any = -1;

	memset(s, 0, offsetof(struct rules_summary, retry_elsewhere));
	s->retry_elsewhere[0] = s->challenged_elsewhere[0] = '\0';
	s->icmp_count = c->icmp_count;
	s->icmp_ts = c->icmp_ts;
	s->icmp_from = c->icmp_from;
	s->icmp_v6 = c->icmp_v6;
	s->icmp_type = c->icmp_type;
	s->icmp_code = c->icmp_code;
	if (auth != NULL) {
		s->auth = auth;
		s->auth_cap = n_auth;
		s->auth_borrowed = 1;
	}
	s->call = c;
	rules_call_fields(c, s->callf);
	s->now = now;
	s->first = -1;
	n = c->n_msgs > 0 ? (size_t)c->n_msgs : 1;
	/* One block: messages, transactions, challenges, answers. */
	one = sizeof *s->m + sizeof *s->t + sizeof *s->ch + sizeof *s->ans;
	if (n > SIZE_MAX / one)
		goto fail;
	if (buf != NULL && n * one <= size) {
		s->m = buf;
		s->borrowed = 1;
	} else if ((s->m = malloc(n * one)) == NULL)
		goto fail;
	s->t = (struct rules_txn *)(void *)(s->m + n);
	s->ch = (struct rules_challenge *)(void *)(s->t + n);
	s->ans = (struct rules_answer *)(void *)(s->ch + n);
	s->n_m = c->n_msgs > 0 ? c->n_msgs : 0;

	for (i = 0; i < s->n_m; i++) {
		const struct msg	*msg = &c->msgs[i];
		struct rules_msg	*rm = &s->m[i];

		rules_msg_base(rm, msg, s->n_auth);
		if ((rc = rules_scan_msg(s, rm, msg)) == -1)
			goto fail;
		if (rc == 0) {
			/* Not scanned: nothing but the tracker's fields. */
			memset(rm, 0, sizeof *rm);
			rules_msg_base(rm, msg, s->n_auth);
			rules_unset(rm);
			continue;
		}
		if (rm->is_request)
			rules_sum_request(s, i);
		else
			rules_sum_response(s, i);
	}

	/* Challenges, in order. */
	for (i = 0; i < s->n_m; i++) {
		const struct rules_msg	*rm = &s->m[i];
		struct rules_challenge	*ch;

		if (!rm->ok || rm->is_request || rm->retrans || rm->txn < 0 ||
		    (rm->status != 401 && rm->status != 407))
			continue;
		ch = &s->ch[s->n_ch++];
		ch->msg = i;
		ch->code = rm->status;
		ch->txn = rm->txn;
		ch->after_credentials = 0;
		ch->stale = 0;
		for (k = 0; k < rm->n_auth; k++)
			if (rules_stale(s->auth[rm->auth0 + k].stale))
				ch->stale = 1;
	}

	/* Answers: requests with credentials, each a transaction. */
	for (k = 0; k < s->n_t; k++) {
		struct rules_txn	*t = &s->t[k];
		const struct rules_msg	*rm = &s->m[t->req];
		struct rules_answer	*a;
		int			 j;

		if (rules_is(rules_f(rm, RF_METHOD), "CANCEL") ||
		    !rules_has_credentials(s, rm))
			continue;
		a = &s->ans[s->n_ans];
		a->msg = t->req;
		a->txn = k;
		a->latest = -1;
		for (j = 0; j < s->n_ch; j++) {
			const struct rules_challenge *ch = &s->ch[j];

			if (ch->msg < t->req && rules_ieq(
			    rules_f(&s->m[s->t[ch->txn].req], RF_METHOD), rules_f(rm, RF_METHOD)))
				a->latest = j;
		}
		a->result = t->final;
		a->result_code = t->final >= 0 ? t->final_code : 0;
		rules_sum_answer(s, a);
		if (a->auth < 0)
			continue;
		t->credentials = s->n_ans++;
	}
	for (i = 0; i < s->n_ch; i++)
		s->ch[i].after_credentials = s->t[s->ch[i].txn].credentials >= 0;

	/* The first request opening the call: an INVITE if there is one. */
	for (k = 0; k < s->n_t; k++) {
		const struct rules_msg *rm = &s->m[s->t[k].req];

		if (s->t[k].in_dialog || rules_is(rules_f(rm, RF_METHOD), "CANCEL"))
			continue;
		if (first_any < 0)
			first_any = s->t[k].req;
		if (rules_is(rules_f(rm, RF_METHOD), "INVITE")) {
			s->first = s->t[k].req;
			break;
		}
	}
	if (s->first < 0)
		s->first = first_any;
	rules_sum_roles(cfg, s);
	return 0;
fail:
	rules_summary_free(s);
	return -1;
}

/* Build the summary of a call; 0 or -1.  Free with rules_summary_free(). */
int
rules_summarize(const struct config *cfg, const struct call *c, int64_t now,
    struct rules_summary *s)
{
	return rules_summarize_in(cfg, c, now, s, NULL, 0, NULL, 0);
}

/* Free a summary's arrays. */
void
rules_summary_free(struct rules_summary *s)
{
	if (!s->borrowed)
		free(s->m);	/* t, ch and ans share its block */
	if (!s->auth_borrowed)
		free(s->auth);
	while (s->wide != NULL) {
		struct rules_wide *w = s->wide;

		s->wide = w->next;
		free(w);
	}
	s->borrowed = s->auth_borrowed = s->auth_cap = 0;
	s->m = NULL;
	s->auth = NULL;
	s->t = NULL;
	s->ch = NULL;
	s->ans = NULL;
	s->n_m = s->n_auth = s->n_t = s->n_ch = s->n_ans = 0;
}

/* ---- findings --------------------------------------------------------- */

/* Set a placeholder's value from a slice (empty slices leave it unset). */
static void
rules_var(struct rctx *x, int v, struct sv_str val)
{
	rules_copy(x->var[v], sizeof x->var[v], val);
	x->var_set |= 1u << v;
}

/* Set a placeholder's value from a C string. */
static void
rules_var_s(struct rctx *x, int v, const char *val)
{
	rules_var(x, v, rules_sv(val));
}

/* Expand the placeholders of a template with the context's values. */
static char *
rules_fill(const struct rctx *x, const char *tpl)
{
	char		*out = NULL;
	size_t		 len = 0, n;
	FILE		*fp;
	const char	*p, *e;
	int		 v;

	if ((fp = open_memstream(&out, &len)) == NULL)
		return NULL;
	for (p = tpl; *p != '\0'; p++) {
		if (*p == '<' && (e = strchr(p, '>')) != NULL && e - p < 24) {
			n = (size_t)(e - p - 1);
			for (v = 0; v < V__MAX; v++)
				if (strlen(rules_var_names[v]) == n &&
				    strncmp(p + 1, rules_var_names[v], n) == 0)
					break;
			if (v < V__MAX && x->var[v][0] != '\0') {
				fputs(x->var[v], fp);
				p = e;
				continue;
			}
		}
		fputc(*p, fp);
	}
	if (fclose(fp) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* Add a finding of the current rule (sev -1: the rule's default). */
static void
rules_add(struct rctx *x, int sev, int msg, const char *header,
    struct sv_str value, const char *fmt, ...)
{
	const struct rule_info	*r = &rules_table[x->rule];
	struct finding		*f, *v;
	const char		*tpl;
	char			 val[RULES_VALUE_MAX + 8];
	va_list			 ap;
	int			 rc;

	if (x->cap == x->n) {
		v = reallocarray(x->f, (size_t)x->cap + 8, sizeof *v);
		if (v == NULL) {
			x->nomem = 1;
			return;
		}
		x->f = v;
		x->cap += 8;
	}
	f = &x->f[x->n];
	memset(f, 0, sizeof *f);
	f->id = r->id;
	f->severity = sev >= 0 ? sev : r->severity;
	if (x->cfg->rule_severity[x->rule] >= 0)
		f->severity = x->cfg->rule_severity[x->rule];
	f->msg = msg;
	f->title = strdup(r->title);
	if (header != NULL)
		f->header = strdup(header);
	if (value.s != NULL) {
		rules_copy(val, sizeof val, value);
		f->value = strdup(val);
	}
	va_start(ap, fmt);
	rc = vasprintf(&f->explanation, fmt, ap);
	va_end(ap);
	if (rc < 0)
		f->explanation = NULL;
	else if (islower((unsigned char)f->explanation[0]))
		f->explanation[0] = (char)toupper((unsigned char)f->explanation[0]);
	tpl = r->pbx_fix[x->s->pbx] != NULL ? r->pbx_fix[x->s->pbx] : r->fix;
	f->fix = rules_fill(x, tpl);
	x->n++;
	if (f->title == NULL || f->explanation == NULL || f->fix == NULL ||
	    (header != NULL && f->header == NULL) ||
	    (value.s != NULL && f->value == NULL))
		x->nomem = 1;
}

/* Describe a message for explanations: "message 3 (frame 17)". */
static const char *
rules_ref(const struct rctx *x, int i, char *buf, size_t len)
{
	const struct rules_msg *rm = &x->s->m[i];

	if (rm->frame > 0)
		snprintf(buf, len, "message %d (frame %llu)", i + 1,
		    (unsigned long long)rm->frame);
	else
		snprintf(buf, len, "message %d", i + 1);
	return buf;
}

/* Whether an answer's credentials passed (final not 401/407/403/481). */
static int
rules_accepted(const struct rules_answer *a)
{
	return a->result >= 0 && !rules_refusal(a->result_code) &&
	    a->result_code != 481;
}

/* Whether an answer is still waiting for its final response. */
static int
rules_waiting(const struct rctx *x, const struct rules_answer *a)
{
	return a->result < 0 && x->s->now - x->s->m[a->msg].ts < RULES_TIMER_B;
}

/* Whether an answer's refusal is what the call ended on: errors may name it. */
static int
rules_refused(const struct rctx *x, const struct rules_answer *a)
{
	return !x->call_ok && !rules_accepted(a) && !rules_waiting(x, a);
}

/* Severity of a protocol violation in an answer: error only when refused. */
static int
rules_violation_sev(const struct rctx *x, const struct rules_answer *a)
{
	return rules_refused(x, a) ? RULES_ERROR : RULES_WARNING;
}

/* Mark an answer explained by an error finding of the current rule. */
static void
rules_explain_answer(struct rctx *x, int ai, int sev)
{
	if (sev == RULES_ERROR && x->cfg->rule_severity[x->rule] < 0)
		x->explained[ai] = 1;
	else if (x->cfg->rule_severity[x->rule] == RULES_ERROR)
		x->explained[ai] = 1;
}

/* The auth header an answer used. */
static const struct sip_auth *
rules_ans_auth(const struct rctx *x, const struct rules_answer *a)
{
	return &x->s->auth[a->auth];
}

/* Whether an answer is to an initial (not in-dialog) request. */
static int
rules_ans_initial(const struct rctx *x, const struct rules_answer *a)
{
	return !x->s->t[a->txn].in_dialog;
}

/* Fill the usual placeholders from an answer (and the call). */
static void
rules_vars_answer(struct rctx *x, const struct rules_answer *a)
{
	const struct rules_msg	*rm = &x->s->m[a->msg];
	const struct sip_auth	*au = rules_ans_auth(x, a);

	rules_var(x, V_USER, rules_uri_user(rules_f(rm, RF_RURI)));
	rules_var(x, V_NUMBER, rules_uri_user(rules_f(rm, RF_RURI)));
	rules_var(x, V_SENT_USER, au->username);
	rules_var(x, V_SENT_REALM, au->realm);
	if (a->offer >= 0)
		rules_var(x, V_REALM, x->s->auth[a->offer].realm);
	else
		rules_var(x, V_REALM, au->realm);
}

/* Fill the Vapi host placeholder: the call's host, or its region's. */
static void
rules_vars_host(struct rctx *x)
{
	const struct rules_summary	*s = x->s;
	struct sv_str			 host = SV_STR_NULL;
	size_t				 r, k;
	char				 ip[64];
	int				 is_ip = 0, i;

	if (s->first >= 0) {
		host = rules_uri_host(rules_f(&s->m[s->first], RF_RURI), &is_ip);
		if (is_ip || config_is_vapi_host(x->cfg, host) == CONFIG_HOST_NONE)
			host = SV_STR_NULL;
	}
	if (host.s == NULL && s->first >= 0) {
		sv_addr_format_ip(&s->m[s->first].dst, ip, sizeof ip);
		for (r = 0; r < sizeof rules_regions / sizeof *rules_regions; r++)
			for (k = 0; k < 2; k++)
				if (rules_regions[r].addrs[k] != NULL &&
				    strcmp(rules_regions[r].addrs[k], ip) == 0)
					host = rules_sv(rules_regions[r].host);
	}
	if (host.s == NULL)
		for (i = 0; i < x->cfg->n_vapi_hosts; i++)
			if (x->cfg->vapi_hosts[i][0] != '*') {
				host = rules_sv(x->cfg->vapi_hosts[i]);
				break;
			}
	if (host.s == NULL)
		host = rules_sv("sip.vapi.ai");
	rules_var(x, V_HOST, host);
}

/* ---- the rules -------------------------------------------------------- */

/* ruri-ip-literal: an opening request into Vapi addressed to an IP literal. */
static void
rule_ruri_ip(struct rctx *x)
{
	const struct rules_summary	*s = x->s;
	char				 ref[64];
	int				 k, is_ip;

	if (!s->into_vapi || x->call_ok)
		return;
	for (k = 0; k < s->n_t; k++) {
		const struct rules_msg *rm = &s->m[s->t[k].req];
		const char *hdr = "Request-URI";
		struct sv_str uri = rules_f(rm, RF_RURI);

		if (s->t[k].in_dialog || !rules_is(rules_f(rm, RF_METHOD), "INVITE"))
			continue;
		rules_uri_host(rules_f(rm, RF_RURI), &is_ip);
		if (!is_ip) {
			rules_uri_host(rules_f(rm, RF_TO_URI), &is_ip);
			hdr = "To";
			uri = rules_f(rm, RF_TO_URI);
		}
		if (!is_ip)
			continue;
		rules_vars_host(x);
		rules_var(x, V_NUMBER, rules_uri_user(rules_f(rm, RF_RURI)));
		rules_add(x, -1, s->t[k].req, hdr, uri,
		    "The %s of %s is %.*s, an IP address: Vapi refuses requests "
		    "addressed to an IP instead of %s, whatever the "
		    "credentials.",
		    hdr, rules_ref(x, s->t[k].req, ref, sizeof ref),
		    (int)(uri.len > 200 ? 200 : uri.len), uri.s, x->var[V_HOST]);
		return;
	}
}

/* byo-source-not-gateway: a BYO trunk host, then 401 and 403 or a 401 loop. */
static void
rule_byo(struct rctx *x)
{
	const struct rules_summary	*s = x->s;
	const struct rules_msg		*f;
	struct sv_str			 host;
	char				 ip[64], ref[64], cred[128];
	const char			*dot;
	int				 i, ev = -1, loops = 0, k;

	if (!s->into_vapi || s->host_kind != CONFIG_HOST_WILDCARD || x->call_ok)
		return;
	for (i = 0; i < s->n_ans && ev < 0; i++)
		if (s->ans[i].result_code == 403 && !rules_waiting(x, &s->ans[i]))
			ev = s->ans[i].result;
	for (i = 0; i < s->n_ch; i++)
		if (s->ch[i].after_credentials && !s->ch[i].stale) {
			loops++;
			if (ev < 0)
				ev = s->ch[i].msg;
		}
	/* A 403 to the INVITE with no challenge at all: the same cause. */
	for (k = 0; k < s->n_t && ev < 0; k++)
		if (!s->t[k].in_dialog && s->t[k].final_code == 403 &&
		    s->t[k].credentials < 0 &&
		    rules_is(rules_f(&s->m[s->t[k].req], RF_METHOD), "INVITE"))
			ev = s->t[k].final;
	if (ev < 0)
		return;
	f = &s->m[s->first];
	host = rules_uri_host(rules_f(f, RF_RURI), NULL);
	if (config_is_vapi_host(x->cfg, host) != CONFIG_HOST_WILDCARD)
		host = rules_uri_host(rules_f(f, RF_TO_URI), NULL);
	rules_copy(cred, sizeof cred, host);
	if ((dot = strchr(cred, '.')) != NULL)
		cred[dot - cred] = '\0';
	sv_addr_format_ip(&f->src, ip, sizeof ip);
	rules_var_s(x, V_SOURCE, ip);
	rules_var_s(x, V_CREDENTIAL, cred);
	rules_var(x, V_HOST, host);
	for (i = 0; i < s->n_ans; i++)
		x->explained[i] = 1;
	rules_add(x, -1, ev, "Source address", rules_sv(ip),
	    "The call goes to %s, a BYO SIP trunk, which authorises by source "
	    "IP, not by credentials; %s is %d%s after the challenge, so the "
	    "source address %s is likely not in the trunk's gateways.%s",
	    x->var[V_HOST], rules_ref(x, ev, ref, sizeof ref), s->m[ev].status,
	    loops > 1 ? " again (a 401 loop)" : "",
	    ip, rules_addr_private(&f->src) ? " The capture shows a private "
	    "address: list the public address it is translated to." : "");
}

/* udp-oversize: a UDP request over the limit or fragmented. */
static void
rule_udp(struct rctx *x)
{
	const struct rules_summary	*s = x->s;
	char				 ref[64], val[64];
	int				 k, pick = -1, unanswered = 0;

	for (k = 0; k < s->n_t; k++) {
		const struct rules_msg *rm = &s->m[s->t[k].req];
		int dead;

		if (rm->transport != SV_T_UDP ||
		    (rm->len <= x->cfg->udp_max && !rm->fragmented) ||
		    config_is_vapi_addr(x->cfg, &rm->src))
			continue;
		dead = s->t[k].first_resp < 0 &&
		    (s->now - rm->ts >= RULES_TIMER_B || s->t[k].n_req > 1);
		if (pick < 0 || (dead && !unanswered)) {
			pick = k;
			unanswered = dead;
		}
	}
	if (pick < 0)
		return;
	{
		const struct rules_msg *rm = &s->m[s->t[pick].req];

		rules_vars_host(x);
		snprintf(val, sizeof val, "%u bytes%s", rm->len,
		    rm->fragmented ? ", IP-fragmented" : "");
		rules_add(x, unanswered ? RULES_ERROR : RULES_WARNING,
		    s->t[pick].req, "Size", rules_sv(val),
		    "The %.*s in %s is %u bytes over UDP%s (limit %zu, RFC 3261 "
		    "18.1.1)%s.", (int)rules_f(rm, RF_METHOD).len, rules_f(rm, RF_METHOD).s,
		    rules_ref(x, s->t[pick].req, ref, sizeof ref), rm->len,
		    rm->fragmented ? " in IP fragments" : "", x->cfg->udp_max,
		    unanswered ? " and got no response: fragments or large "
		    "datagrams are likely dropped on the way" : "");
	}
}

/* wrong-username: digest username is not the Request-URI user (sip.vapi.ai). */
static void
rule_wrong_user(struct rctx *x)
{
	const struct rules_summary	*s = x->s;
	char				 ref[64], ref2[64], hash[129];
	int				 i;

	if (!s->into_vapi)
		return;
	for (i = 0; i < s->n_ans; i++) {
		const struct rules_answer *a = &s->ans[i];
		const struct rules_msg *rm = &s->m[a->msg];
		const struct sip_auth *au = rules_ans_auth(x, a);
		struct sv_str user;

		if (!rules_ans_initial(x, a) || !rules_refused(x, a) ||
		    au->username.s == NULL ||
		    config_is_vapi_host(x->cfg, rules_uri_host(rules_f(rm, RF_RURI), NULL))
		    != CONFIG_HOST_EXACT ||
		    !rules_has(user = rules_uri_user(rules_f(rm, RF_RURI))))
			continue;
		if (rules_stale(au->userhash)) {
			if (digest_userhash(digest_alg_parse(au->algorithm),
			    user, au->realm, hash, sizeof hash) < 0 ||
			    rules_ieq(au->username, rules_sv(hash)))
				continue;
		} else if (rules_eq(au->username, user))
			continue;
		rules_vars_answer(x, a);
		rules_explain_answer(x, i, RULES_ERROR);
		rules_add(x, -1, a->msg, rules_auth_name(au->kind), au->username,
		    "%s answers with digest username \"%s\" but the Request-URI "
		    "user is \"%s\". Vapi identifies the number by the digest "
		    "username, so this is likely why %s %s. (Likely: Vapi's "
		    "support says the username must be the Request-URI user; "
		    "its API schema says a number without an authentication "
		    "object accepts any username.)",
		    rules_ref(x, a->msg, ref, sizeof ref), x->var[V_SENT_USER],
		    x->var[V_USER], a->result >= 0 ? rules_ref(x, a->result,
		    ref2, sizeof ref2) : "the retry",
		    a->result >= 0 ? (a->result_code == 403 ? "is 403 Forbidden" :
		    "is a new challenge") : "got no answer");
		return;
	}
}

/* Fill a digest input from an answer, with the given password. */
static int
rules_digest_input(const struct rctx *x, const struct rules_answer *a,
    const char *password, struct digest_input *in)
{
	const struct rules_msg	*rm = &x->s->m[a->msg];
	const struct sip_auth	*au = rules_ans_auth(x, a);

	memset(in, 0, sizeof *in);
	if (rules_stale(au->userhash) || !rules_has(au->response) ||
	    au->username.s == NULL || au->nonce.s == NULL)
		return -1;
	in->alg = digest_alg_parse(au->algorithm);
	if (in->alg == DIGEST_ALG_UNKNOWN)
		return -1;
	in->username = au->username;
	in->realm = au->realm.s != NULL ? au->realm : rules_sv("");
	in->password = rules_sv(password);
	in->method = rules_f(rm, RF_METHOD);
	in->uri = au->uri.s != NULL ? au->uri : rules_f(rm, RF_RURI);
	in->nonce = au->nonce;
	in->cnonce = au->cnonce;
	in->nc = au->nc;
	in->qop = rules_has(au->qop) ? au->qop : SV_STR_NULL;
	in->body = rules_f(rm, RF_BODY);
	return 0;
}

/* forbidden-password: the response recomputes with "test", "" or " ". */
static void
rule_forbidden_pw(struct rctx *x)
{
	static const char *const pw[] = { "test", "", " " };
	static const char *const what[] = { "the password \"test\"",
	    "an empty password", "a blank password" };
	const struct rules_summary	*s = x->s;
	struct digest_input		 in;
	char				 ref[64];
	int				 i;
	size_t				 k;

	for (i = 0; i < s->n_ans; i++) {
		const struct rules_answer *a = &s->ans[i];

		if (!rules_refused(x, a) ||
		    rules_digest_input(x, a, "", &in) == -1)
			continue;
		for (k = 0; k < sizeof pw / sizeof *pw; k++) {
			in.password = rules_sv(pw[k]);
			if (digest_verify(&in, rules_ans_auth(x, a)->response)
			    != 1)
				continue;
			rules_vars_answer(x, a);
			rules_explain_answer(x, i, RULES_ERROR);
			rules_add(x, -1, a->msg,
			    rules_auth_name(rules_ans_auth(x, a)->kind),
			    rules_ans_auth(x, a)->response,
			    "The digest response of %s recomputes exactly with "
			    "%s for user \"%s\": Vapi refuses this password.",
			    rules_ref(x, a->msg, ref, sizeof ref), what[k],
			    x->var[V_SENT_USER]);
			return;
		}
	}
}

/* wrong-password: a configured password does not verify the response. */
static void
rule_wrong_pw(struct rctx *x)
{
	const struct rules_summary	*s = x->s;
	struct digest_input		 in;
	const char			*pw;
	char				 ref[64];
	int				 i;

	for (i = 0; i < s->n_ans; i++) {
		const struct rules_answer *a = &s->ans[i];
		const struct sip_auth *au = rules_ans_auth(x, a);

		if (!rules_refused(x, a) ||
		    (pw = config_password_for(x->cfg, au->username, au->realm))
		    == NULL || rules_digest_input(x, a, pw, &in) == -1 ||
		    digest_verify(&in, au->response) == 1)
			continue;
		rules_vars_answer(x, a);
		rules_explain_answer(x, i, RULES_ERROR);
		rules_add(x, -1, a->msg, rules_auth_name(au->kind), au->username,
		    "The digest response of %s for user \"%s\" realm \"%s\" "
		    "does not verify with the password configured for it: the "
		    "PBX holds another password (or another username/realm "
		    "pair).",
		    rules_ref(x, a->msg, ref, sizeof ref), x->var[V_SENT_USER],
		    x->var[V_SENT_REALM]);
		return;
	}
}

/*
 * Whether any challenge header of a message has the value v in the
 * parameter at offset off of struct sip_auth (realm, nonce).
 */
static int
rules_offers(const struct rules_summary *s, int msg, size_t off, struct sv_str v)
{
	const struct rules_msg *cm = &s->m[msg];
	const struct sip_auth *a;
	int i;

	for (i = 0; i < cm->n_auth; i++) {
		a = &s->auth[cm->auth0 + i];
		if (a->kind < SIP_AUTH_AUTHORIZATION && rules_eq(*(const
		    struct sv_str *)(const void *)((const char *)a + off), v))
			return 1;
	}
	return 0;
}

/* realm-mismatch: the answer's realm is not the challenge's. */
static void
rule_realm(struct rctx *x)
{
	const struct rules_summary	*s = x->s;
	char				 ref[64], ref2[64];
	int				 i, sev;

	for (i = 0; i < s->n_ans; i++) {
		const struct rules_answer *a = &s->ans[i];
		const struct sip_auth *au = rules_ans_auth(x, a);

		if (a->latest < 0 || a->offer < 0 ||
		    rules_offers(s, s->ch[a->latest].msg,
		    offsetof(struct sip_auth, realm), au->realm))
			continue;
		rules_vars_answer(x, a);
		sev = rules_violation_sev(x, a);
		rules_explain_answer(x, i, sev);
		rules_add(x, sev, a->msg, rules_auth_name(au->kind), au->realm,
		    "%s answers with realm \"%s\" but the challenge in %s gave "
		    "realm \"%s\": the PBX used credentials made for another "
		    "realm.", rules_ref(x, a->msg, ref, sizeof ref),
		    x->var[V_SENT_REALM],
		    rules_ref(x, s->ch[a->latest].msg, ref2, sizeof ref2),
		    x->var[V_REALM]);
		return;
	}
}

/* auth-header-type: a 401 answered with Proxy-Authorization, or vice versa. */
static void
rule_hdr_type(struct rctx *x)
{
	const struct rules_summary	*s = x->s;
	char				 ref[64], ref2[64];
	int				 i, sev, want, j;

	for (i = 0; i < s->n_ans; i++) {
		const struct rules_answer *a = &s->ans[i];
		const struct rules_msg *rm = &s->m[a->msg];
		int ok = 0;

		if (a->latest < 0)
			continue;
		want = s->ch[a->latest].code == 407 ?
		    SIP_AUTH_PROXY_AUTHORIZATION : SIP_AUTH_AUTHORIZATION;
		for (j = 0; j < rm->n_auth; j++)
			if ((int)s->auth[rm->auth0 + j].kind == want)
				ok = 1;
		if (ok)
			continue;
		rules_vars_answer(x, a);
		sev = rules_violation_sev(x, a);
		rules_explain_answer(x, i, sev);
		rules_add(x, sev, a->msg, rules_auth_name(rules_ans_auth(x,
		    a)->kind), rules_ans_auth(x, a)->value,
		    "%s answers the %d of %s with %s; a %d must be answered "
		    "with %s (RFC 3261 22.2, 22.3).",
		    rules_ref(x, a->msg, ref, sizeof ref), s->ch[a->latest].code,
		    rules_ref(x, s->ch[a->latest].msg, ref2, sizeof ref2),
		    rules_auth_name(rules_ans_auth(x, a)->kind),
		    s->ch[a->latest].code, rules_auth_name(want));
		return;
	}
}

/* algorithm-not-offered: the answer's algorithm was not offered. */
static void
rule_alg(struct rctx *x)
{
	const struct rules_summary	*s = x->s;
	char				 ref[64], offered[160];
	int				 i, j, sev, found;
	size_t				 len;

	for (i = 0; i < s->n_ans; i++) {
		const struct rules_answer *a = &s->ans[i];
		const struct sip_auth *au = rules_ans_auth(x, a);
		const struct rules_msg *cm;
		struct sv_str alg = rules_alg(au->algorithm);

		if (a->latest < 0)
			continue;
		cm = &s->m[s->ch[a->latest].msg];
		found = 0;
		for (j = 0; j < cm->n_auth && !found; j++)
			if (cm->n_auth > 0 && s->auth[cm->auth0 + j].kind <
			    SIP_AUTH_AUTHORIZATION && rules_ieq(rules_alg(
			    s->auth[cm->auth0 + j].algorithm), alg))
				found = 1;
		if (found)
			continue;
		offered[0] = '\0';
		for (j = 0; j < cm->n_auth; j++) {
			const struct sip_auth *o = &s->auth[cm->auth0 + j];
			struct sv_str oa = rules_alg(o->algorithm);

			if (o->kind >= SIP_AUTH_AUTHORIZATION)
				continue;
			len = strlen(offered);
			if (len + oa.len + 3 < sizeof offered)
				snprintf(offered + len, sizeof offered - len,
				    "%s%.*s", len ? ", " : "", (int)oa.len,
				    oa.s);
		}
		if (found)
			continue;
		rules_vars_answer(x, a);
		rules_var_s(x, V_ALG, offered);
		sev = rules_violation_sev(x, a);
		rules_explain_answer(x, i, sev);
		rules_add(x, sev, a->msg, rules_auth_name(au->kind), alg,
		    "%s answers with algorithm %.*s; the challenge offered %s.",
		    rules_ref(x, a->msg, ref, sizeof ref), (int)alg.len, alg.s,
		    offered);
		return;
	}
}

/* Whether nc is exactly 8 hex digits. */
static int
rules_nc_ok(struct sv_str nc)
{
	size_t	i;

	if (nc.s == NULL || nc.len != 8)
		return 0;
	for (i = 0; i < 8; i++)
		if (!isxdigit((unsigned char)nc.s[i]))
			return 0;
	return 1;
}

/* qop-incomplete: qop, nc, cnonce not as RFC 2617 3.2.2 requires. */
static void
rule_qop(struct rctx *x)
{
	const struct rules_summary	*s = x->s;
	char				 ref[64], why[160];
	int				 i, sev;

	for (i = 0; i < s->n_ans; i++) {
		const struct rules_answer *a = &s->ans[i];
		const struct sip_auth *au = rules_ans_auth(x, a);
		const struct sip_auth *o;
		struct sv_str ev = au->qop;

		if (a->offer < 0)
			continue;
		o = &s->auth[a->offer];
		why[0] = '\0';
		if (rules_has(o->qop)) {
			if (!rules_has(au->qop))
				snprintf(why, sizeof why, "lacks qop although "
				    "qop=\"%.*s\" was offered",
				    (int)(o->qop.len > 60 ? 60 : o->qop.len),
				    o->qop.s);
			else if (!rules_list_has(o->qop, au->qop))
				snprintf(why, sizeof why, "uses qop=%.*s, which "
				    "was not offered",
				    (int)(au->qop.len > 60 ? 60 : au->qop.len),
				    au->qop.s);
			else if (!rules_has(au->nc)) {
				snprintf(why, sizeof why, "lacks nc");
				ev = au->value;
			} else if (!rules_nc_ok(au->nc)) {
				snprintf(why, sizeof why, "has nc=%.*s, not 8 "
				    "hex digits", (int)(au->nc.len > 40 ? 40 :
				    au->nc.len), au->nc.s);
				ev = au->nc;
			} else if (!rules_has(au->cnonce)) {
				snprintf(why, sizeof why, "lacks cnonce");
				ev = au->value;
			}
		} else if (rules_has(au->qop) || au->nc.s != NULL ||
		    au->cnonce.s != NULL) {
			snprintf(why, sizeof why, "sends %s%s%s although no qop "
			    "was offered", rules_has(au->qop) ? "qop " : "",
			    au->nc.s != NULL ? "nc " : "",
			    au->cnonce.s != NULL ? "cnonce" : "");
			ev = au->value;
		}
		if (why[0] == '\0')
			continue;
		rules_vars_answer(x, a);
		sev = rules_violation_sev(x, a);
		rules_explain_answer(x, i, sev);
		rules_add(x, sev, a->msg, rules_auth_name(au->kind),
		    ev.s != NULL ? ev : au->value,
		    "%s %s (RFC 2617 3.2.2).",
		    rules_ref(x, a->msg, ref, sizeof ref), why);
		return;
	}
}

/* opaque-not-echoed: the challenge's opaque missing or changed. */
static void
rule_opaque(struct rctx *x)
{
	const struct rules_summary	*s = x->s;
	char				 ref[64];
	int				 i, sev;

	for (i = 0; i < s->n_ans; i++) {
		const struct rules_answer *a = &s->ans[i];
		const struct sip_auth *au = rules_ans_auth(x, a);
		const struct sip_auth *o;

		if (a->offer < 0)
			continue;
		o = &s->auth[a->offer];
		if (o->opaque.s == NULL && au->opaque.s == NULL)
			continue;
		if (o->opaque.s != NULL && au->opaque.s != NULL &&
		    rules_eq(o->opaque, au->opaque))
			continue;
		rules_vars_answer(x, a);
		sev = rules_violation_sev(x, a);
		rules_explain_answer(x, i, sev);
		rules_add(x, sev, a->msg, rules_auth_name(au->kind),
		    au->opaque.s != NULL ? au->opaque : au->value,
		    "%s %s the opaque value the challenge gave (\"%.*s\").",
		    rules_ref(x, a->msg, ref, sizeof ref),
		    au->opaque.s == NULL ? "does not return" :
		    o->opaque.s == NULL ? "adds an opaque although none was "
		    "offered, instead of" : "changes",
		    (int)(o->opaque.len > 100 ? 100 : o->opaque.len),
		    o->opaque.s != NULL ? o->opaque.s : "");
		return;
	}
}

/* nonce-mismatch: the nonce answered is not the latest challenge's. */
static void
rule_nonce(struct rctx *x)
{
	const struct rules_summary	*s = x->s;
	char				 ref[64], ref2[64], older[128];
	char				 nonce[RULES_VALUE_MAX + 8];
	int				 i, j, sev;

	for (i = 0; i < s->n_ans; i++) {
		const struct rules_answer *a = &s->ans[i];
		const struct sip_auth *au = rules_ans_auth(x, a);

		if (a->latest < 0 || au->nonce.s == NULL ||
		    rules_offers(s, s->ch[a->latest].msg,
		    offsetof(struct sip_auth, nonce), au->nonce))
			continue;
		older[0] = '\0';
		for (j = a->latest - 1; j >= 0; j--)
			if (rules_offers(s, s->ch[j].msg,
			    offsetof(struct sip_auth, nonce), au->nonce)) {
				snprintf(older, sizeof older, ", the nonce of "
				    "the earlier challenge in %s",
				    rules_ref(x, s->ch[j].msg, ref2,
				    sizeof ref2));
				break;
			}
		rules_vars_answer(x, a);
		rules_copy(nonce, sizeof nonce, au->nonce);
		sev = rules_violation_sev(x, a);
		rules_explain_answer(x, i, sev);
		rules_add(x, sev, a->msg, rules_auth_name(au->kind), au->nonce,
		    "%s answers with nonce \"%s\"%s, but the latest challenge, "
		    "in %s, gave another: a cached or foreign nonce.",
		    rules_ref(x, a->msg, ref, sizeof ref),
		    nonce, older,
		    rules_ref(x, s->ch[a->latest].msg, ref2, sizeof ref2));
		return;
	}
}

/* retry-dialog-changed: the retry left the challenged request's dialog. */
static void
rule_dialog(struct rctx *x)
{
	const struct rules_summary	*s = x->s;
	char				 ref[64], ref2[64];
	int				 i, sev;

	if (s->retry_elsewhere[0] != '\0' && s->n_ch > 0) {
		/* Challenged here, retried with another Call-ID. */
		const struct rules_challenge *c = &s->ch[0];

		rules_var(x, V_USER, rules_uri_user(rules_f(&s->m[s->first], RF_RURI)));
		rules_add(x, RULES_ERROR, c->msg, "Call-ID",
		    rules_sv(s->retry_elsewhere),
		    "%s challenged the INVITE in %s with %d and no retry "
		    "followed on this Call-ID; an INVITE with credentials from "
		    "the same From and to the same To came with Call-ID \"%s\" "
		    "instead: the retry of a challenge must keep the Call-ID "
		    "and From tag of the challenged INVITE (RFC 3261 8.1.3.5, "
		    "22.2), so the server takes it for a new call.",
		    rules_ref(x, c->msg, ref, sizeof ref),
		    rules_ref(x, s->t[c->txn].req, ref2, sizeof ref2), c->code,
		    s->retry_elsewhere);
		return;
	}
	for (i = 0; i < s->n_ans; i++) {
		const struct rules_answer *a = &s->ans[i];
		const struct rules_msg *rm = &s->m[a->msg];
		const struct rules_msg *req, *cm;
		const char *hdr = NULL, *what = NULL;
		struct sv_str ev = SV_STR_NULL;

		if (!rules_ans_initial(x, a))
			continue;
		if (a->latest < 0 && a->msg == s->first &&
		    s->challenged_elsewhere[0] != '\0') {
			/* The retry of another call's challenge. */
			rules_vars_answer(x, a);
			sev = rules_violation_sev(x, a);
			rules_explain_answer(x, i, sev);
			rules_add(x, sev, a->msg, "Call-ID",
			    rules_sv(s->challenged_elsewhere),
			    "%s opens this call already carrying credentials; "
			    "they answer the challenge given to the INVITE of "
			    "call \"%s\" (same From and To), retried with a new "
			    "Call-ID \"%.*s\" instead of that call's (RFC 3261 "
			    "8.1.3.5, 22.2): the server takes it for a new call.",
			    rules_ref(x, a->msg, ref, sizeof ref),
			    s->challenged_elsewhere,
			    (int)(rules_f(rm, RF_CALL_ID).len > 120 ? 120 : rules_f(rm, RF_CALL_ID).len),
			    rules_f(rm, RF_CALL_ID).s != NULL ? rules_f(rm, RF_CALL_ID).s : "");
			return;
		}
		if (a->latest < 0) {
			/* Credentials with no challenge on this Call-ID. */
			if (a->msg != s->first || !rules_refused(x, a) ||
			    s->n_ch == 0)
				continue;
			rules_vars_answer(x, a);
			rules_explain_answer(x, i, RULES_ERROR);
			rules_add(x, RULES_ERROR, a->msg, "Call-ID", rules_f(rm, RF_CALL_ID),
			    "%s opens this call already carrying credentials, "
			    "but no challenge was given on this Call-ID: likely "
			    "the retry of a challenged INVITE sent with a new "
			    "Call-ID (RFC 3261 8.1.3.5), which the server takes "
			    "for a new call.", rules_ref(x, a->msg, ref,
			    sizeof ref));
			return;
		}
		cm = &s->m[s->ch[a->latest].msg];
		req = &s->m[s->t[s->ch[a->latest].txn].req];
		if (!rules_eq(rules_f(rm, RF_CALL_ID), rules_f(req, RF_CALL_ID))) {
			hdr = "Call-ID";
			what = "a new Call-ID";
			ev = rules_f(rm, RF_CALL_ID);
		} else if (!rules_eq(rules_f(rm, RF_FROM_TAG), rules_f(req, RF_FROM_TAG))) {
			hdr = "From";
			what = "a new From tag";
			ev = rules_f(rm, RF_FROM_TAG);
		} else if (rules_has(rules_f(rm, RF_TO_TAG)) &&
		    rules_eq(rules_f(rm, RF_TO_TAG), rules_f(cm, RF_TO_TAG))) {
			hdr = "To";
			what = "the To tag of the challenge";
			ev = rules_f(rm, RF_TO_TAG);
		}
		if (hdr == NULL)
			continue;
		rules_vars_answer(x, a);
		sev = rules_violation_sev(x, a);
		rules_explain_answer(x, i, sev);
		rules_add(x, sev, a->msg, hdr, ev,
		    "The retry %s carries %s instead of keeping the dialog of "
		    "the challenged INVITE in %s; RFC 3261 8.1.3.5 and 22.2 "
		    "require the same Call-ID and From tag, and no To tag.",
		    rules_ref(x, a->msg, ref, sizeof ref), what,
		    rules_ref(x, s->t[s->ch[a->latest].txn].req, ref2,
		    sizeof ref2));
		return;
	}
}

/* retry-cseq-not-incremented: the retry's CSeq not above the challenged. */
static void
rule_cseq(struct rctx *x)
{
	const struct rules_summary	*s = x->s;
	char				 ref[64], ref2[64], val[64], want[16];
	int				 i, sev;

	for (i = 0; i < s->n_ans; i++) {
		const struct rules_answer *a = &s->ans[i];
		const struct rules_msg *rm = &s->m[a->msg];
		const struct rules_msg *req;

		if (a->latest < 0)
			continue;
		req = &s->m[s->t[s->ch[a->latest].txn].req];
		if (rm->cseq > req->cseq || !rules_eq(rules_f(rm, RF_CALL_ID),
		    rules_f(req, RF_CALL_ID)))
			continue;
		snprintf(val, sizeof val, "%u %.*s", rm->cseq,
		    (int)(rules_f(rm, RF_CSEQ_METHOD).len > 20 ? 20 : rules_f(rm, RF_CSEQ_METHOD).len),
		    rules_f(rm, RF_CSEQ_METHOD).s != NULL ? rules_f(rm, RF_CSEQ_METHOD).s : "");
		snprintf(want, sizeof want, "%u", req->cseq + 1);
		rules_vars_answer(x, a);
		rules_var_s(x, V_CSEQ, want);
		sev = rules_violation_sev(x, a);
		rules_explain_answer(x, i, sev);
		rules_add(x, sev, a->msg, "CSeq", rules_sv(val),
		    "The retry %s has CSeq %u, not above the CSeq %u of the "
		    "challenged request in %s; it must be a new transaction "
		    "with CSeq %s (RFC 3261 22.2); the server may take it for a "
		    "retransmission.",
		    rules_ref(x, a->msg, ref, sizeof ref), rm->cseq, req->cseq,
		    rules_ref(x, s->t[s->ch[a->latest].txn].req, ref2,
		    sizeof ref2), want);
		return;
	}
}

/* The first answer after a message, or -1. */
static int
rules_next_answer(const struct rules_summary *s, int msg)
{
	int	i;

	for (i = 0; i < s->n_ans; i++)
		if (s->ans[i].msg > msg)
			return i;
	return -1;
}

/* stale-nonce: stale=true after credentials; info, or error on a loop. */
static void
rule_stale(struct rctx *x)
{
	const struct rules_summary	*s = x->s;
	char				 ref[64], ref2[64];
	int			 i, j, na, best = -1, best_sev = RULES_INFO + 1;
	int				 kind = 0, bkind = 0, bnext = -1;

	for (i = 0; i < s->n_ch; i++) {
		const struct rules_challenge *c = &s->ch[i];
		int sev;

		if (!c->stale || !c->after_credentials)
			continue;
		na = rules_next_answer(s, c->msg);
		if (na < 0) {
			if (s->now - s->m[c->msg].ts < RULES_TIMER_B) {
				x->pending = 1;
				continue;
			}
			sev = RULES_ERROR;
			kind = 1;	/* no retry */
		} else if (rules_accepted(&s->ans[na])) {
			sev = RULES_INFO;
			kind = 0;
		} else {
			sev = RULES_INFO;
			kind = 0;
			for (j = i + 1; j < s->n_ch; j++)
				if (s->ch[j].txn == s->ans[na].txn &&
				    s->ch[j].stale && !x->call_ok) {
					sev = RULES_ERROR;
					kind = 2;	/* stale again */
				}
			if (rules_waiting(x, &s->ans[na]))
				x->pending = 1;
		}
		if (sev < best_sev) {
			best_sev = sev;
			best = i;
			bkind = kind;
			bnext = na;
		}
	}
	if (best < 0)
		return;
	{
		const struct rules_challenge *c = &s->ch[best];
		const struct rules_msg *cm = &s->m[c->msg];
		const struct sip_auth *o = cm->n_auth > 0 ?
		    &s->auth[cm->auth0] : NULL;

		if (best_sev == RULES_ERROR)
			for (i = 0; i < s->n_ans; i++)
				x->explained[i] = 1;
		rules_add(x, best_sev, c->msg, rules_auth_name(o != NULL ?
		    (int)o->kind : SIP_AUTH_WWW_AUTHENTICATE),
		    o != NULL ? o->value : SV_STR_NULL,
		    bkind == 1 ? "%s refused the credentials with stale=true (the "
		    "nonce expired) and the PBX did not retry with the new "
		    "nonce within 32 s." :
		    bkind == 2 ? "%s refused the credentials with stale=true, and "
		    "the retry %s got stale=true again: the nonces expire "
		    "before the PBX uses them (clock drift or nonces from "
		    "another server)." :
		    "%s refused the credentials with stale=true (the nonce had "
		    "expired); the PBX retried with the new nonce in %s.",
		    rules_ref(x, c->msg, ref, sizeof ref),
		    bnext >= 0 ? rules_ref(x, s->ans[bnext].msg, ref2,
		    sizeof ref2) : "");
	}
}

/* Whether any request other than ACK follows a message on the call. */
static int
rules_request_after(const struct rules_summary *s, int msg)
{
	int	i;

	for (i = msg + 1; i < s->n_m; i++)
		if (s->m[i].ok && s->m[i].is_request && !s->m[i].retrans &&
		    !rules_is(rules_f(&s->m[i], RF_METHOD), "ACK"))
			return 1;
	return 0;
}

/* Fill the Vapi addresses placeholder from the configuration. */
static void
rules_vars_vapi_ips(struct rctx *x)
{
	char	buf[RULES_VALUE_MAX], ip[64];
	size_t	len = 0;
	int	i;

	buf[0] = '\0';
	for (i = 0; i < x->cfg->n_vapi_addrs; i++) {
		const struct config_net *n = &x->cfg->vapi_addrs[i];
		struct sv_addr a;

		memset(&a, 0, sizeof a);
		a.af = n->af;
		memcpy(a.ip, n->ip, sizeof a.ip);
		sv_addr_format_ip(&a, ip, sizeof ip);
		if ((n->af == 4 && n->prefix != 32) ||
		    (n->af == 6 && n->prefix != 128))
			snprintf(ip + strlen(ip), sizeof ip - strlen(ip), "/%u",
			    n->prefix);
		if (len + strlen(ip) + 2 >= sizeof buf)
			break;
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s",
		    len ? "," : "", ip);
	}
	rules_var_s(x, V_VAPI_IPS, buf);
}

/* vapi-to-pbx-challenge: the PBX challenged Vapi's INVITE, never answered. */
static void
rule_vapi_challenge(struct rctx *x)
{
	const struct rules_summary	*s = x->s;
	char				 ref[64];
	int				 i;

	if (!s->from_vapi || x->call_ok)
		return;
	for (i = 0; i < s->n_ch; i++) {
		const struct rules_challenge *c = &s->ch[i];
		const struct rules_msg *cm = &s->m[c->msg];
		const struct sip_auth *o;

		if (c->after_credentials ||
		    !rules_is(rules_f(&s->m[s->t[c->txn].req], RF_METHOD), "INVITE") ||
		    rules_next_answer(s, c->msg) >= 0)
			continue;
		if (s->now - cm->ts < RULES_TIMER_B) {
			x->pending = 1;
			return;
		}
		o = cm->n_auth > 0 ? &s->auth[cm->auth0] : NULL;
		rules_vars_vapi_ips(x);
		if (o != NULL)
			rules_var(x, V_REALM, o->realm);
		rules_add(x, -1, c->msg, rules_auth_name(o != NULL ?
		    (int)o->kind : SIP_AUTH_WWW_AUTHENTICATE),
		    o != NULL ? o->value : SV_STR_NULL,
		    "The INVITE comes from Vapi and the PBX answered it %d in "
		    "%s; Vapi never sent credentials. Vapi answers challenges "
		    "only when its trunk credential has an "
		    "outboundAuthenticationPlan.",
		    c->code, rules_ref(x, c->msg, ref, sizeof ref));
		return;
	}
}

/* challenge-ignored: an INVITE challenged, nothing new within Timer B. */
static void
rule_ignored(struct rctx *x)
{
	const struct rules_summary	*s = x->s;
	char			 ref[64], ref2[64], realm[RULES_VALUE_MAX + 8];
	int				 i;

	if (s->from_vapi || x->call_ok || (s->retry_elsewhere[0] != '\0' &&
	    x->cfg->rule_enabled[R_DIALOG]))
		return;
	for (i = s->n_ch - 1; i >= 0; i--) {
		const struct rules_challenge *c = &s->ch[i];
		const struct rules_msg *cm = &s->m[c->msg];
		const struct rules_msg *req = &s->m[s->t[c->txn].req];
		const struct sip_auth *o;

		if (c->after_credentials || !rules_is(rules_f(req, RF_METHOD), "INVITE") ||
		    rules_request_after(s, c->msg))
			continue;
		if (s->now - cm->ts < RULES_TIMER_B) {
			x->pending = 1;
			return;
		}
		o = cm->n_auth > 0 ? &s->auth[cm->auth0] : NULL;
		rules_copy(realm, sizeof realm, o != NULL ? o->realm :
		    SV_STR_NULL);
		rules_var_s(x, V_REALM, realm);
		rules_var(x, V_USER, rules_uri_user(rules_f(req, RF_RURI)));
		rules_var(x, V_NUMBER, rules_uri_user(rules_f(req, RF_RURI)));
		rules_vars_host(x);
		rules_add(x, -1, c->msg, rules_auth_name(o != NULL ?
		    (int)o->kind : SIP_AUTH_WWW_AUTHENTICATE),
		    o != NULL ? o->value : SV_STR_NULL,
		    "%s challenged the INVITE in %s with %d, realm \"%s\"; no "
		    "new request followed on the call within 32 s: the PBX has "
		    "no credentials for this realm%s.",
		    rules_ref(x, c->msg, ref, sizeof ref),
		    rules_ref(x, s->t[c->txn].req, ref2, sizeof ref2), c->code,
		    realm, s->pbx == RULES_PBX_CUBE ? " (CUBE also skips the "
		    "retry silently when its configured realm differs from the "
		    "challenge's)" : "");
		return;
	}
}

/* credentials-rejected-loop: good credentials answered by a new challenge. */
static void
rule_loop(struct rctx *x)
{
	const struct rules_summary	*s = x->s;
	char				 ref[64], ref2[64];
	int				 i, n = 0, unexplained = 0, first = -1;
	int				 ai = -1;

	if (x->call_ok)
		return;
	for (i = 0; i < s->n_ch; i++) {
		const struct rules_challenge *c = &s->ch[i];

		if (!c->after_credentials || c->stale)
			continue;
		n++;
		if (!x->explained[s->t[c->txn].credentials]) {
			unexplained++;
			if (first < 0) {
				first = i;
				ai = s->t[c->txn].credentials;
			}
		}
	}
	if (n == 0 || (unexplained == 0 && s->n_ans < 3))
		return;
	if (first < 0) {
		for (i = 0; i < s->n_ch && first < 0; i++)
			if (s->ch[i].after_credentials && !s->ch[i].stale)
				first = i;
		ai = s->t[s->ch[first].txn].credentials;
	}
	rules_vars_answer(x, &s->ans[ai]);
	rules_vars_host(x);
	for (i = 0; i < s->n_ans; i++)
		x->explained[i] = 1;
	if (n >= 2 || s->n_ans >= 3)
		rules_add(x, -1, s->ch[first].msg, "Status", rules_sv(
		    s->ch[first].code == 407 ? "407" : "401"),
		    "The server answered %d sets of credentials with a new "
		    "challenge (first %s, no stale=true)%s: the credentials "
		    "(user \"%s\") are "
		    "refused.", n, rules_ref(x, s->ch[first].msg,
		    ref, sizeof ref), s->n_ans >= 3 ? "; the PBX keeps retrying "
		    "without a limit" : "", x->var[V_SENT_USER]);
	else
		rules_add(x, -1, s->ch[first].msg, "Status", rules_sv(
		    s->ch[first].code == 407 ? "407" : "401"),
		    "%s answers the well-formed credentials of %s (user \"%s\") "
		    "with a new challenge, without stale=true: the credentials "
		    "are refused, and the PBX gave up.",
		    rules_ref(x, s->ch[first].msg, ref, sizeof ref),
		    rules_ref(x, s->ans[ai].msg, ref2, sizeof ref2),
		    x->var[V_SENT_USER]);
}

/* Index of the Vapi region of a host, or -1. */
static int
rules_region_host(struct sv_str host)
{
	size_t	r;

	for (r = 0; r < sizeof rules_regions / sizeof *rules_regions; r++)
		if (sv_str_ieq(host, rules_regions[r].host))
			return (int)r;
	return -1;
}

/* Index of the Vapi region of an address, or -1. */
static int
rules_region_addr(const struct sv_addr *a)
{
	char	ip[64];
	size_t	r, k;

	sv_addr_format_ip(a, ip, sizeof ip);
	for (r = 0; r < sizeof rules_regions / sizeof *rules_regions; r++)
		for (k = 0; k < 2; k++)
			if (rules_regions[r].addrs[k] != NULL &&
			    strcmp(rules_regions[r].addrs[k], ip) == 0)
				return (int)r;
	return -1;
}

/* Describe a region mismatch of a request into buf; 1 when there is one. */
static int
rules_region_mismatch(const struct rules_msg *rm, char *buf, size_t len)
{
	int	rh, ra;

	rh = rules_region_host(rules_uri_host(rules_f(rm, RF_RURI), NULL));
	ra = rules_region_addr(&rm->dst);
	if (rh < 0 || ra < 0 || rh == ra)
		return 0;
	snprintf(buf, len, "the Request-URI names %s (%s region) but the "
	    "request went to a %s address: the regions are mixed",
	    rules_regions[rh].host, rules_regions[rh].name,
	    rules_regions[ra].name);
	return 1;
}

/* Whether an error finding of a rule is already in the context. */
static int
rules_fired(const struct rctx *x, int rule)
{
	int	i;

	for (i = 0; i < x->n; i++)
		if (x->f[i].id == rules_table[rule].id &&
		    x->f[i].severity == RULES_ERROR)
			return 1;
	return 0;
}

/* forbidden-after-auth: 403 to good credentials that nothing explains. */
static void
rule_forbidden_after(struct rctx *x)
{
	const struct rules_summary	*s = x->s;
	struct digest_input		 in;
	char				 ref[64], ref2[64], region[160];
	char				 causes[1024], ip[64];
	size_t				 len;
	int				 i, k, rank;

	if (x->call_ok || rules_fired(x, R_RURI_IP) || rules_fired(x, R_BYO))
		return;
	for (i = 0; i < s->n_ans; i++) {
		const struct rules_answer *a = &s->ans[i];
		const struct rules_msg *rm = &s->m[a->msg];
		const struct sip_auth *au = rules_ans_auth(x, a);
		struct sv_str user = rules_uri_user(rules_f(rm, RF_RURI));
		int checked = 0, test = 0;

		if (a->result_code != 403 || x->explained[i])
			continue;
		rules_vars_answer(x, a);
		rules_vars_host(x);
		causes[0] = '\0';
		len = 0;
		rank = 1;
#define CAUSE(...) do {							\
	if (len < sizeof causes) {					\
		int _n = snprintf(causes + len, sizeof causes - len,	\
		    "%s%d. ", len ? " " : "", rank++);			\
		if (_n > 0) len += (size_t)_n;				\
	}								\
	if (len < sizeof causes) {					\
		int _n = snprintf(causes + len, sizeof causes - len,	\
		    __VA_ARGS__);					\
		if (_n > 0) len += (size_t)_n;				\
	}								\
} while (0)
		if (rules_region_mismatch(rm, region, sizeof region))
			CAUSE("Certain: %s.", region);
		if (s->host_kind == CONFIG_HOST_WILDCARD) {
			sv_addr_format_ip(&rm->src, ip, sizeof ip);
			CAUSE("BYO trunk: the source address %s is likely not "
			    "in the trunk's gateways.", ip);
		}
		if (rules_has(user) && !rules_eq(user, au->username) &&
		    !rules_stale(au->userhash))
			CAUSE("The digest username \"%s\" is not the "
			    "Request-URI user \"%s\" (likely).",
			    x->var[V_SENT_USER], x->var[V_USER]);
		if (rules_digest_input(x, a, "", &in) == 0) {
			checked = 1;
			for (k = 0; k < 3; k++) {
				in.password = rules_sv(k == 0 ? "test" :
				    k == 1 ? "" : " ");
				if (digest_verify(&in, au->response) == 1)
					test = 1;
			}
		}
		if (test)
			CAUSE("The password is \"test\", empty or blank.");
		if (au->username.len < 20 || au->username.len > 40)
			CAUSE("Fixed credentials on the number: if it has an "
			    "authentication object, exactly that username and "
			    "password (20-40 characters each) are required, and "
			    "\"%s\" (%zu characters) cannot be that username.",
			    x->var[V_SENT_USER], au->username.len);
		else
			CAUSE("Fixed credentials on the number: if it has an "
			    "authentication object, the password must be "
			    "exactly its password.");
		if (rules_region_host(rules_uri_host(rules_f(rm, RF_RURI), NULL)) >= 0 &&
		    !rules_region_mismatch(rm, region, sizeof region))
			CAUSE("A region mismatch: an EU org's numbers exist "
			    "only on sip.eu.vapi.ai, a US org's only on "
			    "sip.vapi.ai.");
#undef CAUSE
		rules_add(x, -1, a->result, "Status", rules_sv("403"),
		    "%s answers the well-formed credentials of %s (user \"%s\", "
		    "realm \"%s\") with 403 Forbidden and no other rule "
		    "explains it. The password was %s. Likely causes, most "
		    "likely first: "
		    "%s", rules_ref(x, a->result, ref, sizeof ref),
		    rules_ref(x, a->msg, ref2, sizeof ref2), x->var[V_SENT_USER],
		    x->var[V_SENT_REALM], !checked ? "not checkable" : test ?
		    "checked: it is a forbidden one" : "checked: not \"test\", "
		    "empty or blank", causes);
		return;
	}
}

/* number-not-found: 404 to an INVITE into Vapi. */
static void
rule_not_found(struct rctx *x)
{
	const struct rules_summary	*s = x->s;
	char				 ref[64], ref2[64], hint[512];
	char				 region[160];
	size_t				 len;
	int				 k;

	if (!s->into_vapi)
		return;
	for (k = 0; k < s->n_t; k++) {
		const struct rules_txn *t = &s->t[k];
		const struct rules_msg *rm = &s->m[t->req];
		struct sv_str user;

		if (t->in_dialog || t->final_code != 404 ||
		    !rules_is(rules_f(rm, RF_METHOD), "INVITE"))
			continue;
		user = rules_uri_user(rules_f(rm, RF_RURI));
		rules_var(x, V_NUMBER, user);
		rules_var(x, V_USER, user);
		rules_vars_host(x);
		hint[0] = '\0';
		len = 0;
		if (rules_has(user) && user.s[0] == '+')
			len += (size_t)snprintf(hint + len, sizeof hint - len,
			    " The number is in +E.164 form: check it is the "
			    "same in Vapi.");
		else if (rules_has(user))
			len += (size_t)snprintf(hint + len, sizeof hint - len,
			    " The number \"%s\" has no '+': Vapi keeps numbers "
			    "in E.164 (+%s); on a BYO number "
			    "numberE164CheckEnabled=false accepts other forms.",
			    x->var[V_NUMBER], x->var[V_NUMBER]);
		if (s->host_kind == CONFIG_HOST_WILDCARD && len < sizeof hint)
			len += (size_t)snprintf(hint + len, sizeof hint - len,
			    " Check that the number's credentialId is the "
			    "credential named by %s.", x->var[V_HOST]);
		if (rules_region_mismatch(rm, region, sizeof region) &&
		    len < sizeof hint)
			snprintf(hint + len, sizeof hint - len, " Also %s.",
			    region);
		rules_add(x, -1, t->final, "Request-URI", rules_f(rm, RF_RURI),
		    "Vapi answered %s with 404 Not Found in %s: number \"%s\" "
		    "is not configured or not assigned.%s",
		    rules_ref(x, t->req, ref, sizeof ref),
		    rules_ref(x, t->final, ref2, sizeof ref2),
		    x->var[V_NUMBER], hint);
		return;
	}
}

/* Whether an ICMP error answered a transaction that got no response. */
static int
rules_icmp_answers(const struct rules_summary *s, int k)
{
	return s->icmp_count > 0 && s->t[k].first_resp < 0 &&
	    s->icmp_ts >= s->m[s->t[k].req].ts;
}

/* An ICMP error's type and code in words. */
static const char *
rules_icmp_name(int v6, int type, int code)
{
	static const char *const v4[] = {
		"network unreachable", "host unreachable",
		"protocol unreachable", "port unreachable",
		"fragmentation needed", "source route failed",
		"destination network unknown", "destination host unknown",
		"source host isolated", "network administratively prohibited",
		"host administratively prohibited",
		"network unreachable for TOS", "host unreachable for TOS",
		"communication administratively prohibited",
		"host precedence violation", "precedence cutoff",
	};
	static const char *const v6u[] = {
		"no route to destination",
		"communication administratively prohibited",
		"beyond scope of source address", "address unreachable",
		"port unreachable", "source address failed policy",
		"reject route to destination",
	};

	if (!v6 && type == 3)
		return code >= 0 && code < (int)(sizeof v4 / sizeof *v4) ?
		    v4[code] : "destination unreachable";
	if (v6 && type == 1)
		return code >= 0 && code < (int)(sizeof v6u / sizeof *v6u) ?
		    v6u[code] : "destination unreachable";
	if ((!v6 && type == 11) || (v6 && type == 3))
		return code == 1 ? "fragment reassembly time exceeded" :
		    "time exceeded in transit";
	return "ICMP error";
}

/* no-response: an opening request with no response until Timer B. */
static void
rule_no_response(struct rctx *x)
{
	const struct rules_summary	*s = x->s;
	char		 ref[64], dst[80], val[160], via[RULES_VALUE_MAX + 64];
	int				 k;

	if (x->call_ok || s->first < 0)
		return;
	for (k = 0; k < s->n_t; k++) {
		const struct rules_txn *t = &s->t[k];
		const struct rules_msg *rm = &s->m[t->req];

		if (t->in_dialog || t->first_resp >= 0 ||
		    !rules_is(rules_f(rm, RF_METHOD), "INVITE"))
			continue;
		sv_addr_format(&rm->dst, dst, sizeof dst);
		if (rules_icmp_answers(s, k)) {
			char from[80];

			sv_addr_format_ip(&s->icmp_from, from, sizeof from);
			snprintf(val, sizeof val, "ICMP%s %s from %s",
			    s->icmp_v6 ? "v6" : "", rules_icmp_name(s->icmp_v6,
			    s->icmp_type, s->icmp_code), from);
			rules_vars_host(x);
			rules_add(x, -1, t->req, "ICMP", rules_sv(val),
			    "%s (%.*s to %s over %s) got no SIP response; %s "
			    "answered it with ICMP%s %s (type %d, code %d)%s: "
			    "nothing accepts SIP at that address and port, or a "
			    "firewall refuses it.",
			    rules_ref(x, t->req, ref, sizeof ref),
			    (int)rules_f(rm, RF_METHOD).len, rules_f(rm, RF_METHOD).s, dst,
			    rm->transport < SV_T__MAX ?
			    sv_transport_names[rm->transport] : "?", from,
			    s->icmp_v6 ? "v6" : "", rules_icmp_name(s->icmp_v6,
			    s->icmp_type, s->icmp_code), s->icmp_type,
			    s->icmp_code, s->icmp_count > 1 ? ", and again for "
			    "its retransmissions" : "");
			return;
		}
		if (s->now - rm->ts < RULES_TIMER_B) {
			x->pending = 1;
			continue;
		}
		snprintf(val, sizeof val, "sent %d time%s, no response",
		    t->n_req, t->n_req == 1 ? "" : "s");
		via[0] = '\0';
		if (rules_host_private(rules_f(rm, RF_VIA_HOST)) && !rm->via_has_rport) {
			char host[RULES_VALUE_MAX + 8];

			rules_copy(host, sizeof host, rules_f(rm, RF_VIA_HOST));
			snprintf(via, sizeof via, " Its Via names the private "
			    "address %s without rport.", host);
		}
		rules_vars_host(x);
		rules_add(x, -1, t->req, NULL, rules_sv(val),
		    "%s (%.*s to %s over %s) was sent %d time%s and got no "
		    "response within 32 s.%s",
		    rules_ref(x, t->req, ref, sizeof ref),
		    (int)rules_f(rm, RF_METHOD).len, rules_f(rm, RF_METHOD).s, dst,
		    rm->transport < SV_T__MAX ? sv_transport_names[rm->transport]
		    : "?", t->n_req, t->n_req == 1 ? "" : "s", via);
		return;
	}
}

/*
 * Find a private IPv4 address in SDP c= lines, else in o= lines (the first
 * c= one wins, else the first o= one; each line's address follows its first
 * "IP4 "): 'c' or 'o' for the line it was found in, 0 when none.  Only the
 * "IP4 " followed by what may start a private address is looked at closely.
 */
static int
rules_sdp_private(struct sv_str body, struct sv_str *addr)
{
	const char	*p, *end, *q, *ls, *eol, *t;
	struct sv_str	 tok, o = SV_STR_NULL;

	if (body.s == NULL)
		return 0;
	p = body.s;
	end = body.s + body.len;
	while (p < end && (q = memchr(p, 'P', (size_t)(end - p))) != NULL) {
		p = q + 1;
		if (q == body.s || end - q < 3 || q[-1] != 'I' || q[1] != '4' ||
		    q[2] != ' ')
			continue;
		q--;			/* at "IP4 " */
		t = q + 4;
		if (!rules_private_prefix(t, (size_t)(end - t)))
			continue;
		for (ls = q; ls > body.s && ls[-1] != '\n'; ls--)
			;
		if ((eol = memchr(q, '\n', (size_t)(end - q))) == NULL)
			eol = end;
		if (eol - ls <= 2 || ls[1] != '=' || (ls[0] != 'c' &&
		    (ls[0] != 'o' || o.s != NULL)) ||
		    memmem(ls, (size_t)(q - ls), "IP4 ", 4) != NULL)
			continue;
		tok.s = t;
		tok.len = 0;
		while (tok.s + tok.len < eol && tok.s[tok.len] != ' ' &&
		    tok.s[tok.len] != '\r' && tok.s[tok.len] != '/')
			tok.len++;
		if (!rules_host_private(tok))
			continue;
		if (ls[0] == 'c') {
			*addr = tok;
			return 'c';
		}
		o = tok;
	}
	if (o.s != NULL) {
		*addr = o;
		return 'o';
	}
	return 0;
}

/*
 * Whether a URI's host could be a private IP literal: a necessary condition
 * (some place a host can start, after '<', ':', '@' or '[', starts like
 * one) that spares parsing URIs whose host plainly is not.
 */
static int
rules_uri_may_be_private(struct sv_str uri)
{
	size_t	i;

	for (i = 0; i + 1 < uri.len; i++)
		if ((uri.s[i] == '@' || uri.s[i] == ':' || uri.s[i] == '[' ||
		    uri.s[i] == '<') && rules_private_prefix(uri.s + i + 1,
		    uri.len - i - 1))
			return 1;
	return rules_private_prefix(uri.s, uri.len);
}

/* nat-private-address: private addresses crossing a public address. */
static void
rule_nat(struct rctx *x)
{
	const struct rules_summary	*s = x->s;
	const struct rules_msg		*f;
	const struct sv_addr		*pbx;
	struct sv_str			 seen_via = SV_STR_NULL;
	struct sv_str			 seen_contact = SV_STR_NULL;
	struct sv_str			 seen_body = SV_STR_NULL;
	char				 ref[64];
	int				 i, k, sev = RULES_WARNING, pbx_public;

	if (s->first < 0)
		return;
	f = &s->m[s->first];
	pbx = s->from_vapi ? &f->dst : &f->src;
	/* A message's source is the PBX's address: public or not once. */
	pbx_public = rules_addr_public(pbx);
	for (i = 0; i < s->n_m; i++) {
		const struct rules_msg *rm = &s->m[i];
		struct sv_str addr = SV_STR_NULL, host, body;
		const char *hdr = NULL;

		if (!rm->ok || rm->retrans || rm->src.af != pbx->af ||
		    (pbx->af == 6 ? memcmp(rm->src.ip, pbx->ip, 16) :
		    memcmp(rm->src.ip, pbx->ip, 4)) != 0 ||
		    (!rm->is_request && (rm->status < 200 || rm->status >= 300)) ||
		    (!pbx_public && !rules_addr_public(&rm->dst)))
			continue;
		/*
		 * Each check depends only on the bytes it reads, and every
		 * hit returns: bytes equal to ones already found clean are
		 * skipped (the same Via, Contact and SDP repeat in a call).
		 */
		if (rm->is_request && !rm->via_has_rport &&
		    !(seen_via.s != NULL && rules_eq(seen_via, rules_f(rm, RF_VIA_HOST)))) {
			if (rules_host_private(rules_f(rm, RF_VIA_HOST))) {
				hdr = "Via";
				addr = rules_f(rm, RF_VIA_HOST);
			} else
				seen_via = rules_f(rm, RF_VIA_HOST);
		}
		if (hdr == NULL && rules_f(rm, RF_CONTACT_URI).s != NULL &&
		    !(seen_contact.s != NULL &&
		    rules_eq(seen_contact, rules_f(rm, RF_CONTACT_URI)))) {
			host = rules_uri_may_be_private(rules_f(rm, RF_CONTACT_URI)) ?
			    rules_uri_host(rules_f(rm, RF_CONTACT_URI), NULL) : SV_STR_NULL;
			if (rules_host_private(host)) {
				hdr = "Contact";
				addr = host;
			} else
				seen_contact = rules_f(rm, RF_CONTACT_URI);
		}
		/* An empty body names nothing (and is not remembered). */
		body = rules_f(rm, RF_BODY);
		if (hdr == NULL && body.len > 0 && !(seen_body.s != NULL &&
		    rules_eq(seen_body, body))) {
			switch (rules_sdp_private(body, &addr)) {
			case 'c':
				hdr = "SDP c=";
				break;
			case 'o':
				hdr = "SDP o=";
				break;
			default:
				seen_body = body;
			}
		}
		if (hdr == NULL)
			continue;
		/* Symptom: a 2xx repeated, so the ACK went astray. */
		for (k = 0; k < s->n_t; k++)
			if (s->t[k].final_code >= 200 && s->t[k].final_code < 300
			    && s->t[k].n_final >= 3)
				sev = RULES_ERROR;
		rules_var(x, V_ADDRESS, addr);
		rules_add(x, sev, i, hdr, addr,
		    "%s (%.*s) crosses a public address but names the private "
		    "address %s in %s%s: %s go to an address the far end cannot "
		    "reach%s.", rules_ref(x, i, ref, sizeof ref),
		    rm->is_request ? (int)rules_f(rm, RF_METHOD).len : 3,
		    rm->is_request ? rules_f(rm, RF_METHOD).s : "2xx", x->var[V_ADDRESS], hdr,
		    strcmp(hdr, "Via") == 0 ? " without rport" : "",
		    strcmp(hdr, "Via") == 0 ? "responses" :
		    strcmp(hdr, "Contact") == 0 ? "the ACK, BYE and re-INVITEs" :
		    "the media", sev == RULES_ERROR ? " (the 2xx was repeated "
		    "without an ACK)" : "");
		return;
	}
}

/* ack-mismatch: the ACK of a non-2xx final missing or not the INVITE's. */
static void
rule_ack(struct rctx *x)
{
	const struct rules_summary	*s = x->s;
	char				 ref[64], ref2[64], val[64];
	int				 k, i;
	int				 sev = x->call_ok ? RULES_WARNING : -1;

	for (k = 0; k < s->n_t; k++) {
		const struct rules_txn *t = &s->t[k];
		const struct rules_msg *rm = &s->m[t->req];
		const struct rules_msg *fm;
		int missing;

		if (t->ack >= 0 || t->final < 0 || t->final_code < 300 ||
		    !rules_is(rules_f(rm, RF_METHOD), "INVITE"))
			continue;
		fm = &s->m[t->final];
		for (i = t->final + 1; i < s->n_m && i < t->final + 64; i++) {
			const struct rules_msg *q = &s->m[i];

			if (!q->ok || !q->is_request || q->txn >= 0 ||
			    !rules_is(rules_f(q, RF_METHOD), "ACK"))
				continue;
			if (q->cseq == rm->cseq &&
			    !rules_eq(rules_f(q, RF_VIA_BRANCH), rules_f(rm, RF_VIA_BRANCH))) {
				char b1[RULES_VALUE_MAX + 8];
				char b2[RULES_VALUE_MAX + 8];

				rules_copy(b1, sizeof b1, rules_f(q, RF_VIA_BRANCH));
				rules_copy(b2, sizeof b2, rules_f(rm, RF_VIA_BRANCH));
				rules_add(x, sev, i, "Via", rules_f(q, RF_VIA_BRANCH),
				    "%s acknowledges the %d of %s with Via "
				    "branch \"%s\" instead of the INVITE's "
				    "\"%s\": the ACK of a non-2xx response must "
				    "repeat the INVITE's branch (RFC 3261 "
				    "17.1.1.3).",
				    rules_ref(x, i, ref, sizeof ref),
				    t->final_code, rules_ref(x, t->final, ref2,
				    sizeof ref2), b1, b2);
				return;
			}
			if (rules_eq(rules_f(q, RF_VIA_BRANCH), rules_f(rm, RF_VIA_BRANCH)) &&
			    q->cseq != rm->cseq) {
				snprintf(val, sizeof val, "%u ACK", q->cseq);
				rules_add(x, sev, i, "CSeq", rules_sv(val),
				    "%s acknowledges the %d of %s with CSeq %u "
				    "instead of the INVITE's %u (RFC 3261 "
				    "17.1.1.3).", rules_ref(x, i, ref, sizeof ref),
				    t->final_code, rules_ref(x, t->final, ref2,
				    sizeof ref2), q->cseq, rm->cseq);
				return;
			}
		}
		missing = t->n_final >= 2 || rules_request_after(s, t->final) ||
		    s->now - fm->ts >= RULES_TIMER_B;
		if (!missing)
			continue;
		snprintf(val, sizeof val, "%d, sent %d time%s, no ACK",
		    t->final_code, t->n_final, t->n_final == 1 ? "" : "s");
		rules_add(x, sev, t->final, NULL, rules_sv(val),
		    "The %d in %s was never acknowledged (it was sent %d "
		    "time%s): the ACK, part of the INVITE transaction, is "
		    "missing.",
		    t->final_code, rules_ref(x, t->final, ref, sizeof ref),
		    t->n_final, t->n_final == 1 ? "" : "s");
		return;
	}
}

/* Whether two URIs are the same (scheme, user, host, port). */
static int
rules_uri_same(struct sv_str a, struct sv_str b)
{
	struct sip_uri	ua, ub;

	if (rules_eq(a, b))
		return 1;
	if (sipscan_uri(a, &ua) != 0 || sipscan_uri(b, &ub) != 0)
		return 0;
	return rules_ieq(ua.scheme, ub.scheme) && rules_eq(ua.user, ub.user) &&
	    rules_ieq(ua.host, ub.host) && ua.port == ub.port;
}

/* digest-uri-mismatch: the digest uri differs from the Request-URI. */
static void
rule_uri(struct rctx *x)
{
	const struct rules_summary	*s = x->s;
	char				 ref[64], ruri[RULES_VALUE_MAX + 8];
	int				 i;

	for (i = 0; i < s->n_ans; i++) {
		const struct rules_answer *a = &s->ans[i];
		const struct rules_msg *rm = &s->m[a->msg];
		const struct sip_auth *au = rules_ans_auth(x, a);

		if (au->uri.s == NULL || rules_uri_same(au->uri, rules_f(rm, RF_RURI)))
			continue;
		rules_copy(ruri, sizeof ruri, rules_f(rm, RF_RURI));
		rules_vars_answer(x, a);
		rules_add(x, -1, a->msg, rules_auth_name(au->kind), au->uri,
		    "The digest uri of %s is \"%.*s\" but its Request-URI is "
		    "\"%s\"; servers MAY refuse it (RFC 3261 22.4).",
		    rules_ref(x, a->msg, ref, sizeof ref),
		    (int)(au->uri.len > 200 ? 200 : au->uri.len), au->uri.s, ruri);
		return;
	}
}

/* The rule functions, in the table's order (also the order they run in). */
static void (*const rules_fns[R__MAX])(struct rctx *) = {
	[R_RURI_IP] = rule_ruri_ip,
	[R_BYO] = rule_byo,
	[R_UDP] = rule_udp,
	[R_WRONG_USER] = rule_wrong_user,
	[R_FORBIDDEN_PW] = rule_forbidden_pw,
	[R_WRONG_PW] = rule_wrong_pw,
	[R_REALM] = rule_realm,
	[R_HDR_TYPE] = rule_hdr_type,
	[R_ALG] = rule_alg,
	[R_QOP] = rule_qop,
	[R_OPAQUE] = rule_opaque,
	[R_NONCE] = rule_nonce,
	[R_DIALOG] = rule_dialog,
	[R_CSEQ] = rule_cseq,
	[R_STALE] = rule_stale,
	[R_VAPI_CHALLENGE] = rule_vapi_challenge,
	[R_IGNORED] = rule_ignored,
	[R_LOOP] = rule_loop,
	[R_FORBIDDEN_AFTER] = rule_forbidden_after,
	[R_NOT_FOUND] = rule_not_found,
	[R_NO_RESPONSE] = rule_no_response,
	[R_NAT] = rule_nat,
	[R_ACK] = rule_ack,
	[R_URI] = rule_uri,
};

/* The table index of a finding's rule. */
static int
rules_rank(const struct finding *f)
{
	int	r;

	for (r = 0; r < R__MAX; r++)
		if (rules_table[r].id == f->id)
			return r;
	return R__MAX;
}

/* Order findings: severity, then root-cause rank, then message (stable). */
static void
rules_sort(struct finding *f, int n)
{
	struct finding	tmp;
	int		i, j;

	for (i = 1; i < n; i++) {
		tmp = f[i];
		for (j = i; j > 0; j--) {
			const struct finding *p = &f[j - 1];

			if (p->severity < tmp.severity ||
			    (p->severity == tmp.severity &&
			    (rules_rank(p) < rules_rank(&tmp) ||
			    (rules_rank(p) == rules_rank(&tmp) &&
			    p->msg <= tmp.msg))))
				break;
			f[j] = f[j - 1];
		}
		f[j] = tmp;
	}
}

/* The last opening transaction of the call's main method, or -1. */
static int
rules_last_attempt(const struct rules_summary *s)
{
	int	k, last = -1;

	if (s->first < 0)
		return -1;
	for (k = 0; k < s->n_t; k++)
		if (!s->t[k].in_dialog && rules_ieq(rules_f(&s->m[s->t[k].req], RF_METHOD),
		    rules_f(&s->m[s->first], RF_METHOD)))
			last = k;
	return last;
}

/* Draw the verdict from the findings and the call's outcome. */
static int
rules_verdict(const struct rctx *x)
{
	const struct rules_summary	*s = x->s;
	const struct rules_txn		*t;
	int				 i, err = 0, auth = 0, k;

	for (i = 0; i < x->n; i++)
		if (x->f[i].severity == RULES_ERROR) {
			err = 1;
			if (rules_table[rules_rank(&x->f[i]) < R__MAX ?
			    rules_rank(&x->f[i]) : 0].auth)
				auth = 1;
		}
	if (auth)
		return RULES_AUTH_FAILED;
	if (x->pending)
		return RULES_IN_PROGRESS;
	if (err)
		return RULES_FAILED;
	if (x->call_ok || (k = rules_last_attempt(s)) < 0)
		return RULES_OK;
	t = &s->t[k];
	if (t->final < 0)
		return s->now - s->m[t->req].ts < RULES_TIMER_B ?
		    RULES_IN_PROGRESS : RULES_FAILED;
	if (rules_refusal(t->final_code))
		return RULES_AUTH_FAILED;
	if (t->final_code == 487) {
		for (i = 0; i < s->n_m; i++)
			if (s->m[i].ok && s->m[i].is_request &&
			    rules_is(rules_f(&s->m[i], RF_METHOD), "CANCEL"))
				return RULES_OK;
	}
	return t->final_code >= 300 ? RULES_FAILED : RULES_OK;
}

/* Apply the enabled rules to a summary; 0 or -1. */
int
rules_apply(const struct config *cfg, const struct rules_summary *s,
    struct diagnosis *out)
{
	struct rctx	x;
	unsigned char	explained[64];
	int		r, k, v;

	memset(out, 0, sizeof *out);
	/* Not x.var: each rule's run clears the placeholders it reads. */
	memset(&x, 0, offsetof(struct rctx, var));
	x.cfg = cfg;
	x.s = s;
	for (v = 0; v < V__MAX; v++)
		x.var[v][0] = '\0';
	if ((size_t)s->n_ans + 1 <= sizeof explained) {
		memset(explained, 0, (size_t)s->n_ans + 1);
		x.explained = explained;
	} else if ((x.explained = calloc((size_t)s->n_ans + 1, 1)) == NULL)
		return -1;
	for (k = 0; k < s->n_t; k++)
		if (!s->t[k].in_dialog && s->t[k].final_code >= 200 &&
		    s->t[k].final_code < 300 && s->first >= 0 &&
		    rules_ieq(rules_f(&s->m[s->t[k].req], RF_METHOD), rules_f(&s->m[s->first], RF_METHOD)))
			x.call_ok = 1;
	if (!x.call_ok && (k = rules_last_attempt(s)) >= 0 &&
	    s->t[k].final < 0 && s->now - s->m[s->t[k].req].ts < RULES_TIMER_B &&
	    !rules_icmp_answers(s, k))
		x.pending = 1;
	for (r = 0; r < R__MAX && !x.nomem; r++) {
		if (r < CONFIG_MAX_RULES && !cfg->rule_enabled[r])
			continue;
		/* Clear what the rule before set. */
		for (v = 0; x.var_set != 0; v++, x.var_set >>= 1)
			if (x.var_set & 1)
				x.var[v][0] = '\0';
		x.rule = r;
		rules_fns[r](&x);
	}
	if (x.explained != explained)
		free(x.explained);
	out->f = x.f;
	out->n = x.n;
	if (x.nomem) {
		rules_diagnosis_free(out);
		return -1;
	}
	rules_sort(out->f, out->n);
	out->verdict = rules_verdict(&x);
	if (s->pbx != RULES_PBX_GENERIC &&
	    (out->pbx = strdup(rules_pbx_names[s->pbx])) == NULL) {
		rules_diagnosis_free(out);
		return -1;
	}
	return 0;
}

/* Whether any rule is enabled. */
int
rules_enabled(const struct config *cfg)
{
	int	r;

	for (r = 0; r < R__MAX; r++)
		if (r >= CONFIG_MAX_RULES || cfg->rule_enabled[r])
			return 1;
	return 0;
}

/* The verdict of a call from its state alone (every rule off). */
static int
rules_state_verdict(const struct call *c)
{
	switch (c->state) {
	case CALL_CALLING:
	case CALL_EARLY:
		return RULES_IN_PROGRESS;
	case CALL_REJECTED:
		return rules_refusal(c->final_code) ? RULES_AUTH_FAILED :
		    RULES_FAILED;
	case CALL_TIMEDOUT:
		return RULES_FAILED;
	default:
		return RULES_OK;
	}
}

/*
 * Fill the summary's links to other calls from the history: a challenged
 * call with no answer on its Call-ID whose retry came with another one, and
 * a call opening with credentials that answer another call's challenge.
 */
static void
rules_sum_history(struct rules_history *h, struct rules_summary *s)
{
	const struct rules_msg	*f;
	struct rules_hist_entry	*own, *o, *best = NULL;
	int64_t			 t;
	int			 i;

	if (s->first < 0 || !rules_is(rules_f(&s->m[s->first], RF_METHOD), "INVITE"))
		return;
	f = &s->m[s->first];
	if (s->n_ch > 0 && s->n_ans == 0) {
		/* Challenged, never answered here: a retry elsewhere? */
		t = s->m[s->ch[0].msg].ts;
		if ((own = rules_hist_own(h, RULES_HIST_CHALLENGE,
		    rules_f(f, RF_CALL_ID))) == NULL)
			return;
		own->ts = t;
		for (i = 0; i < RULES_HIST_N; i++) {
			o = &h->e[i];
			if (o->kind != RULES_HIST_CREDENTIALS ||
			    o->seq < own->seq || !rules_hist_match(own, o) ||
			    (o->ts != 0 ? o->ts : o->clock) > t + RULES_TIMER_B ||
			    (o->ts != 0 && o->ts < t))
				continue;
			if (best == NULL || o->seq < best->seq)
				if (!rules_hist_challenged_before(h, o))
					best = o;
		}
		if (best != NULL)
			rules_hist_copy_id(s->retry_elsewhere,
			    sizeof s->retry_elsewhere, best);
		return;
	}
	if (s->n_ans > 0 && s->ans[0].latest < 0 && s->ans[0].msg == s->first) {
		/* Opens with credentials: whose challenge do they answer? */
		t = f->ts;
		if ((own = rules_hist_own(h, RULES_HIST_CREDENTIALS,
		    rules_f(f, RF_CALL_ID))) == NULL)
			return;
		own->ts = t;
		for (i = 0; i < RULES_HIST_N; i++) {
			o = &h->e[i];
			if (o->kind != RULES_HIST_CHALLENGE ||
			    o->seq > own->seq || !rules_hist_match(own, o) ||
			    (o->ts != 0 && (o->ts > t ||
			    o->ts < t - RULES_TIMER_B)) ||
			    (o->ts == 0 && o->clock > t))
				continue;
			if (best == NULL || o->seq > best->seq)
				best = o;
		}
		if (best != NULL)
			rules_hist_copy_id(s->challenged_elsewhere,
			    sizeof s->challenged_elsewhere, best);
	}
}

/* Judge a call with the history of other calls (NULL: none); 0 or -1. */
int
rules_run_hist(const struct config *cfg, struct rules_history *h,
    const struct call *c, int64_t now, struct diagnosis *out)
{
	struct rules_summary	s;
	/* The summary's arrays for calls of up to a few dozen messages. */
	union {
		struct rules_msg	m;
		char			b[16384];
	}			buf;
	struct sip_auth		auth[16];
	int			rc;

	memset(out, 0, sizeof *out);
	if (h != NULL && now > h->clock)
		h->clock = now;
	if (!rules_enabled(cfg)) {
		/* Nothing to apply: no findings, no summary to build. */
		out->verdict = rules_state_verdict(c);
		return 0;
	}
	if (rules_summarize_in(cfg, c, now, &s, &buf, sizeof buf, auth,
	    (int)(sizeof auth / sizeof *auth)) == -1)
		return -1;
	if (h != NULL)
		rules_sum_history(h, &s);
	rc = rules_apply(cfg, &s, out);
	rules_summary_free(&s);
	return rc;
}

/* Judge a call at capture time now; 0, or -1 on allocation failure. */
int
rules_run(const struct config *cfg, const struct call *c, int64_t now,
    struct diagnosis *out)
{
	return rules_run_hist(cfg, NULL, c, now, out);
}

/* Free a diagnosis's findings and strings. */
void
rules_diagnosis_free(struct diagnosis *d)
{
	int	i;

	for (i = 0; i < d->n; i++) {
		free(d->f[i].title);
		free(d->f[i].header);
		free(d->f[i].value);
		free(d->f[i].explanation);
		free(d->f[i].fix);
	}
	free(d->f);
	free(d->pbx);
	memset(d, 0, sizeof *d);
}

/* Name of a verdict ("ok", "auth-failed", "failed", "in-progress"). */
const char *
rules_verdict_name(int verdict)
{
	switch (verdict) {
	case RULES_OK:
		return "ok";
	case RULES_AUTH_FAILED:
		return "auth-failed";
	case RULES_FAILED:
		return "failed";
	case RULES_IN_PROGRESS:
		return "in-progress";
	default:
		return "?";
	}
}

/* Name of a severity ("error", "warning", "info"). */
const char *
rules_severity_name(int severity)
{
	switch (severity) {
	case RULES_ERROR:
		return "error";
	case RULES_WARNING:
		return "warning";
	case RULES_INFO:
		return "info";
	default:
		return "?";
	}
}

/* Name of a PBX product ("Cisco CUBE", ...). */
const char *
rules_pbx_name(int pbx)
{
	if (pbx < 0 || pbx >= RULES_PBX__MAX)
		return "generic";
	return rules_pbx_names[pbx];
}

/* Number of rules. */
int
rules_count(void)
{
	return R__MAX;
}

/* The i-th rule, NULL when out of range. */
const struct rule_info *
rules_get(int i)
{
	if (i < 0 || i >= R__MAX)
		return NULL;
	return &rules_table[i];
}

/* Index of a rule by id, or -1. */
int
rules_find(const char *id)
{
	int	r;

	if (id == NULL)
		return -1;
	for (r = 0; r < R__MAX; r++)
		if (strcmp(rules_table[r].id, id) == 0)
			return r;
	return -1;
}

/* Print one line per rule: id, severity, title. */
void
rules_list(FILE *fp)
{
	int	r;

	for (r = 0; r < R__MAX; r++)
		fprintf(fp, "%-28s %-8s %s\n", rules_table[r].id,
		    rules_severity_name(rules_table[r].severity),
		    rules_table[r].title);
}

/* Print text wrapped at 72 columns with an indent. */
static void
rules_wrap(FILE *fp, const char *indent, const char *text)
{
	const char	*p = text, *w;
	size_t		 col = 0, n, ind = strlen(indent);

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		for (w = p; *w != '\0' && *w != ' '; w++)
			;
		n = (size_t)(w - p);
		if (col == 0) {
			fputs(indent, fp);
			col = ind;
		} else if (col + 1 + n > 72) {
			fputc('\n', fp);
			fputs(indent, fp);
			col = ind;
		} else {
			fputc(' ', fp);
			col++;
		}
		fwrite(p, 1, n, fp);
		col += n;
		p = w;
	}
	if (col > 0)
		fputc('\n', fp);
}

/* Print one rule's documentation. */
static void
rules_doc(FILE *fp, int r)
{
	const struct rule_info	*ri = &rules_table[r];
	char			 label[64];
	int			 p;

	fprintf(fp, "%s (%s%s)\n", ri->id, rules_severity_name(ri->severity),
	    ri->auth ? ", authentication" : "");
	rules_wrap(fp, "    ", ri->title);
	fputc('\n', fp);
	rules_wrap(fp, "    ", ri->explanation);
	fputc('\n', fp);
	fprintf(fp, "    Fix:\n");
	rules_wrap(fp, "        ", ri->fix);
	for (p = RULES_PBX_GENERIC + 1; p < RULES_PBX__MAX; p++) {
		if (ri->pbx_fix[p] == NULL)
			continue;
		snprintf(label, sizeof label, "    %s:", rules_pbx_names[p]);
		fprintf(fp, "%s\n", label);
		rules_wrap(fp, "        ", ri->pbx_fix[p]);
	}
}

/* Print a rule's explanation and fixes; 0, or -1 for an unknown id. */
int
rules_explain(FILE *fp, const char *id)
{
	int	r;

	if ((r = rules_find(id)) < 0)
		return -1;
	rules_doc(fp, r);
	return 0;
}

/* Print every rule's full documentation (the man page section). */
void
rules_manual(FILE *fp)
{
	int	r;

	fputs("RULES\n\n", fp);
	rules_wrap(fp, "", "Rules are listed in the order findings are ranked: "
	    "the first error finding of a call is its root cause. Each finding "
	    "names its evidence (message number in the call, header, value) "
	    "and a fix in the vocabulary of the PBX recognised from "
	    "User-Agent/Server; words in <angle brackets> are filled with the "
	    "call's values (a password never is). Each rule can be turned off "
	    "and its severity changed in the configuration file (rule ID "
	    "on|off, severity ID error|warning|info|default).");
	fputc('\n', fp);
	for (r = 0; r < R__MAX; r++) {
		rules_doc(fp, r);
		if (r + 1 < R__MAX)
			fputc('\n', fp);
	}
}
