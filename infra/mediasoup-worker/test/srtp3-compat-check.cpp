// Build-time check of subprojects/libsrtp-3.0.0-beta-2fc078db/include/srtp.h,
// run by scripts/build-mediasoup-worker.sh before the worker is built. Drives
// the libsrtp 3 API exactly as mediasoup's RTC/SrtpSession.cpp does.
#include <srtp.h>

#include <arpa/inet.h>
#include <cstdio>
#include <cstring>
#include <vector>

namespace
{
	int failures = 0;

	void Expect(bool ok, const char* what, srtp_profile_t profile)
	{
		if (!ok)
		{
			std::fprintf(stderr, "srtp3-compat-check: FAIL (profile %d): %s\n", profile, what);
			++failures;
		}
	}

	srtp_t Session(srtp_profile_t profile, srtp_ssrc_type_t type, const uint8_t* keyAndSalt)
	{
		srtp_policy_t policy{ nullptr };
		srtp_t session{ nullptr };
		const size_t keyLen = srtp_profile_get_master_key_length(profile);
		const size_t saltLen = srtp_profile_get_master_salt_length(profile);

		Expect(srtp_policy_create(&policy) == srtp_err_status_ok, "policy_create", profile);
		Expect(srtp_policy_set_ssrc(policy, { type, 0 }) == srtp_err_status_ok, "set_ssrc", profile);
		Expect(srtp_policy_set_profile(policy, profile) == srtp_err_status_ok, "set_profile", profile);
		Expect(srtp_policy_add_key(policy, keyAndSalt, keyLen + 1, keyAndSalt + keyLen, saltLen, nullptr, 0) == srtp_err_status_bad_param, "refuses a wrong key length", profile);
		Expect(srtp_policy_add_key(policy, keyAndSalt, keyLen, keyAndSalt + keyLen, saltLen - 1, nullptr, 0) == srtp_err_status_bad_param, "refuses a wrong salt length", profile);
		const uint8_t mki[4]{ 1, 2, 3, 4 };
		Expect(srtp_policy_add_key(policy, keyAndSalt, keyLen, keyAndSalt + keyLen, saltLen, mki, sizeof(mki)) == srtp_err_status_bad_param, "refuses MKI", profile);
		Expect(srtp_create(&session, policy) == srtp_err_status_bad_param, "refuses a session without key", profile);
		Expect(srtp_policy_add_key(policy, keyAndSalt, keyLen, keyAndSalt + keyLen, saltLen, nullptr, 0) == srtp_err_status_ok, "add_key", profile);
		Expect(srtp_policy_add_key(policy, keyAndSalt, keyLen, keyAndSalt + keyLen, saltLen, nullptr, 0) == srtp_err_status_bad_param, "refuses a second key", profile);
		Expect(srtp_policy_set_profile(policy, profile) == srtp_err_status_bad_param, "refuses a profile change after the key", profile);
		Expect(srtp_policy_set_allow_repeat_tx(policy, true) == srtp_err_status_ok, "allow_repeat_tx", profile);
		Expect(srtp_policy_set_window_size(policy, 1024) == srtp_err_status_ok, "window_size", profile);
		Expect(srtp_create(&session, policy) == srtp_err_status_ok, "srtp_create", profile);
		// Like mediasoup: the policy (and its key copy) is gone before first use.
		srtp_policy_destroy(policy);

		return session;
	}

	void CheckProfile(srtp_profile_t profile)
	{
		uint8_t keyAndSalt[64];
		for (size_t i = 0; i < sizeof(keyAndSalt); ++i)
		{
			keyAndSalt[i] = static_cast<uint8_t>(i * 7 + profile);
		}

		srtp_t tx = Session(profile, ssrc_any_outbound, keyAndSalt);
		srtp_t rx = Session(profile, ssrc_any_inbound, keyAndSalt);
		// Overwriting the caller's key buffer must not matter any more.
		std::memset(keyAndSalt, 0, sizeof(keyAndSalt));

		for (uint16_t seq = 1; seq <= 50; ++seq)
		{
			alignas(4) uint8_t rtp[12 + 32];
			const uint8_t header[12]{ 0x80, 100, static_cast<uint8_t>(seq >> 8), static_cast<uint8_t>(seq), 0, 0, 0, 1, 0, 0, 0x12, 0x34 };
			std::memcpy(rtp, header, sizeof(header));
			std::memcpy(rtp + 12, "CONFIDENTIEL-PLAINTEXT-PAYLOAD!!", 32);

			alignas(4) uint8_t wire[sizeof(rtp) + SRTP_MAX_TRAILER_LEN];
			size_t wireLen = sizeof(wire);
			Expect(srtp_protect(tx, rtp, sizeof(rtp), wire, &wireLen, 0) == srtp_err_status_ok, "protect", profile);
			Expect(wireLen > sizeof(rtp), "protect adds a trailer", profile);
			Expect(std::memcmp(rtp + 12, "CONFIDENTIEL", 12) == 0, "protect leaves its input alone", profile);
			Expect(::memmem(wire, wireLen, "CONFIDENTIEL", 12) == nullptr, "no cleartext on the wire", profile);

			size_t smallLen = sizeof(rtp) + 4;
			Expect(srtp_protect(tx, rtp, sizeof(rtp), wire, &smallLen, 0) == srtp_err_status_buffer_small, "refuses an output without trailer room", profile);
			size_t mkiLen = sizeof(wire);
			Expect(srtp_protect(tx, rtp, sizeof(rtp), wire, &mkiLen, 1) == srtp_err_status_bad_param, "refuses an MKI index", profile);

			// Tampered copies (payload, tag, header) are refused, then the genuine one passes.
			const size_t flips[3]{ 20, wireLen - 1, 5 };
			for (const size_t at : flips)
			{
				alignas(4) uint8_t bad[sizeof(wire)];
				std::memcpy(bad, wire, wireLen);
				bad[at] ^= 0x01;
				size_t badLen = wireLen;
				Expect(srtp_unprotect(rx, bad, badLen, bad, &badLen) != srtp_err_status_ok, "drops a tampered packet", profile);
			}

			size_t plainLen = wireLen;
			Expect(srtp_unprotect(rx, wire, wireLen, wire, &plainLen) == srtp_err_status_ok, "unprotect", profile);
			Expect(plainLen == sizeof(rtp) && std::memcmp(wire, rtp, sizeof(rtp)) == 0, "round trip is intact", profile);
			size_t replayLen = wireLen;
			Expect(srtp_unprotect(rx, wire, wireLen, wire, &replayLen) != srtp_err_status_ok, "drops a replay", profile);
		}

		alignas(4) uint8_t rtcp[8]{ 0x80, 200, 0, 1, 0, 0, 0, 1 };
		alignas(4) uint8_t srtcp[sizeof(rtcp) + SRTP_MAX_TRAILER_LEN + 4];
		size_t srtcpLen = sizeof(srtcp);
		Expect(srtp_protect_rtcp(tx, rtcp, sizeof(rtcp), srtcp, &srtcpLen, 0) == srtp_err_status_ok, "protect_rtcp", profile);
		srtcp[srtcpLen - 1] ^= 0x01;
		size_t rtcpLen = srtcpLen;
		Expect(srtp_unprotect_rtcp(rx, srtcp, srtcpLen, srtcp, &rtcpLen) != srtp_err_status_ok, "drops a tampered SRTCP packet", profile);
		srtcp[srtcpLen - 1] ^= 0x01;
		rtcpLen = srtcpLen;
		Expect(srtp_unprotect_rtcp(rx, srtcp, srtcpLen, srtcp, &rtcpLen) == srtp_err_status_ok, "unprotect_rtcp", profile);
		Expect(rtcpLen == sizeof(rtcp) && std::memcmp(srtcp, rtcp, sizeof(rtcp)) == 0, "SRTCP round trip is intact", profile);

		Expect(srtp_stream_remove(rx, htonl(1)) == srtp_err_status_ok, "stream_remove", profile);
		Expect(srtp_stream_remove(rx, htonl(2)) != srtp_err_status_ok, "stream_remove of an unknown SSRC fails", profile);

		srtp_dealloc(tx);
		srtp_dealloc(rx);
	}
} // namespace

int main()
{
	if (srtp_init() != srtp_err_status_ok)
	{
		std::fprintf(stderr, "srtp3-compat-check: srtp_init failed\n");
		return 1;
	}

	srtp_policy_t policy{ nullptr };
	srtp_policy_create(&policy);
	Expect(srtp_policy_set_profile(policy, srtp_profile_null_sha1_80) == srtp_err_status_bad_param, "refuses the NULL cipher", srtp_profile_null_sha1_80);
	srtp_policy_destroy(policy);

	for (const srtp_profile_t profile : { srtp_profile_aes128_cm_sha1_80, srtp_profile_aes128_cm_sha1_32, srtp_profile_aead_aes_128_gcm, srtp_profile_aead_aes_256_gcm })
	{
		CheckProfile(profile);
	}

	srtp_shutdown();
	std::fprintf(stderr, "srtp3-compat-check: %s (%s)\n", failures == 0 ? "ok" : "FAILED", srtp_get_version_string());

	return failures == 0 ? 0 : 1;
}
