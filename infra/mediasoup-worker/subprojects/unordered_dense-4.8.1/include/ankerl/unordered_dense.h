// Adapter for ankerl::unordered_dense (https://github.com/martinus/unordered_dense),
// which no Debian suite packages, onto the standard containers.
//
// mediasoup 3.27.1 uses only unordered_dense::map, ::set and ::hash, with the
// operations std::unordered_map/set also have (find, contains, reserve, erase,
// emplace, operator[], at, iteration). Differences to know:
// - Iteration order: unordered_dense iterates in insertion order (its values
//   live in a vector); std::unordered_* iterate in hash order. mediasoup's
//   ActiveSpeakerObserver takes begin() as its first dominant-speaker
//   candidate, so which producer it names first can differ (it still converges
//   on the one that speaks: see apps/sfu/test/srtp-relay.test.ts).
// - References: std::unordered_map keeps references stable across inserts and
//   erases of other elements, unordered_dense does not. Code written for the
//   latter is correct on the former.
// - Speed: node-based containers allocate per element. Fine at SFU scale.
//
// ::hash keeps unordered_dense's mixing for integers, enums and pointers
// (libstdc++'s std::hash is the identity for those, which would make the
// boost-style HashCombine over ports and addresses in TransportTuple weak).
// Neither is seeded, as in the original.

#ifndef CONFIDENTIEL_ANKERL_UNORDERED_DENSE_ADAPTER_H
#define CONFIDENTIEL_ANKERL_UNORDERED_DENSE_ADAPTER_H

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace ankerl::unordered_dense
{
	namespace detail
	{
		// wyhash's 64x64->128 multiply-and-fold, as unordered_dense 4.x uses for
		// integral keys.
		inline std::uint64_t mix(std::uint64_t x) noexcept
		{
			const __uint128_t r = static_cast<__uint128_t>(x) * UINT64_C(0x9E3779B97F4A7C15);

			return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64U);
		}
	} // namespace detail

	template<typename T, typename Enable = void>
	struct hash
	{
		std::size_t operator()(const T& obj) const noexcept(noexcept(std::hash<T>{}(obj)))
		{
			return std::hash<T>{}(obj);
		}
	};

	template<typename T>
	struct hash<T, std::enable_if_t<std::is_integral_v<T> || std::is_enum_v<T>>>
	{
		std::size_t operator()(T obj) const noexcept
		{
			if constexpr (std::is_enum_v<T>)
			{
				return detail::mix(static_cast<std::uint64_t>(static_cast<std::underlying_type_t<T>>(obj)));
			}
			else
			{
				return detail::mix(static_cast<std::uint64_t>(obj));
			}
		}
	};

	template<typename T>
	struct hash<T*>
	{
		std::size_t operator()(T* obj) const noexcept
		{
			return detail::mix(static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(obj)));
		}
	};

	template<
	  typename Key,
	  typename T,
	  typename Hash     = hash<Key>,
	  typename KeyEqual = std::equal_to<Key>,
	  typename Alloc    = std::allocator<std::pair<const Key, T>>>
	using map = std::unordered_map<Key, T, Hash, KeyEqual, Alloc>;

	template<
	  typename Key,
	  typename Hash     = hash<Key>,
	  typename KeyEqual = std::equal_to<Key>,
	  typename Alloc    = std::allocator<Key>>
	using set = std::unordered_set<Key, Hash, KeyEqual, Alloc>;
} // namespace ankerl::unordered_dense

#endif
