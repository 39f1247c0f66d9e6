import HubProtocol
import Testing

@testable import HubNode

@Suite struct ReferralStateMachineTests {
    typealias Machine = ReferralStateMachine

    /// PROTOCOL §9, written out: the only (state, event) pairs that move.
    static let allowed: [Machine.State: [Machine.Event: Machine.State]] = [
        .offered: [.accept: .accepted, .reject: .rejected, .withdraw: .withdrawn],
        .accepted: [.complete: .completed, .withdraw: .withdrawn],
        .rejected: [:], .withdrawn: [:], .completed: [:],
    ]

    /// Every state × every event × every party.
    @Test func everyStateEventAndParty() {
        var checked = 0
        var moved = 0
        for state in Machine.State.allCases {
            for event in Machine.Event.allCases {
                for party in Machine.Party.allCases {
                    var machine = Machine(state: state)
                    let rightParty = (event == .withdraw) ? party == .sender : party == .receiver
                    let expected = rightParty ? Self.allowed[state]?[event] : nil
                    do {
                        let next = try machine.apply(event, by: party)
                        #expect(next == expected, "\(state) \(event) by \(party)")
                        #expect(machine.state == next)
                        moved += 1
                    } catch {
                        #expect(expected == nil, "\(state) \(event) by \(party) was refused")
                        #expect(machine.state == state, "a refusal changes nothing")
                        #expect(error.reason == .invalidState)
                        if rightParty {
                            #expect(error == .invalidTransition(from: state, event))
                        } else {
                            #expect(error == .wrongParty(event, party))
                        }
                    }
                    checked += 1
                }
            }
        }
        #expect(checked == 5 * 4 * 3)
        #expect(moved == 5)
    }

    @Test func onlyTheReceiverAnswersAndOnlyTheSenderWithdraws() {
        for event in Machine.Event.allCases {
            #expect(event.allowedParty == (event == .withdraw ? .sender : .receiver))
        }
        var machine = Machine()
        #expect(throws: Machine.Refusal.wrongParty(.accept, .sender)) { try machine.apply(.accept, by: .sender) }
        #expect(throws: Machine.Refusal.wrongParty(.withdraw, .receiver)) {
            try machine.apply(.withdraw, by: .receiver)
        }
        #expect(throws: Machine.Refusal.wrongParty(.accept, .other)) { try machine.apply(.accept, by: .other) }
        #expect(machine.state == .offered)
    }

    @Test func terminalStates() {
        #expect(Machine.State.allCases.filter(\.isTerminal) == [.rejected, .withdrawn, .completed])
        for state in Machine.State.allCases where state.isTerminal {
            #expect(Machine.Event.allCases.allSatisfy { Machine.target(of: $0, from: state) == nil })
        }
    }

    /// The sender's mirror: answers move it as at the receiver; a terminal
    /// mirror ignores late answers; anything else is invalid_state.
    @Test func senderMirror() throws {
        for state in Machine.State.allCases {
            for event in Machine.Event.allCases {
                var machine = Machine(state: state)
                let result = Result { () throws(Machine.Refusal) in try machine.mirror(event) }
                switch result {
                case .success(.applied(let next)):
                    #expect(event != .withdraw)
                    #expect(Self.allowed[state]?[event] == next)
                case .success(.ignored):
                    #expect(state.isTerminal && event != .withdraw, "\(state) \(event)")
                    #expect(machine.state == state)
                case .failure(let refusal):
                    #expect(event == .withdraw || (!state.isTerminal && Self.allowed[state]?[event] == nil))
                    #expect(refusal.reason == .invalidState)
                    #expect(machine.state == state)
                }
            }
        }
        // The race of §9: the sender's withdraw won, then the receiver's accept arrives.
        var mirror = Machine(state: .withdrawn)
        #expect(try mirror.mirror(.accept) == .ignored)
        #expect(mirror.state == .withdrawn)
        // A reject cannot follow an accept.
        var accepted = Machine(state: .accepted)
        #expect(throws: Machine.Refusal.invalidTransition(from: .accepted, .reject)) { try accepted.mirror(.reject) }
    }

    @Test func overdueIsOfferedPastRespondBy() throws {
        let respondBy = try #require(CalendarDate("2026-03-10"))
        let same = try #require(CalendarDate("2026-03-10"))
        let after = try #require(CalendarDate("2026-03-11"))
        for state in Machine.State.allCases {
            let machine = Machine(state: state)
            #expect(!machine.isOverdue(respondBy: respondBy, today: same))
            #expect(machine.isOverdue(respondBy: respondBy, today: after) == (state == .offered))
        }
        // Overdue stays answerable.
        var overdue = Machine()
        #expect(overdue.isOverdue(respondBy: respondBy, today: after))
        #expect(try overdue.apply(.accept, by: .receiver) == .accepted)
    }

    @Test func amsterdamDaysAndAgeBands() throws {
        // 2026-03-28T23:30:00Z is already 29 March in Amsterdam (CET, +1).
        #expect(CaseCalendar.day(at: 1_774_740_600).description == "2026-03-29")
        // 2026-07-01T22:30:00Z is 2 July in Amsterdam (CEST, +2).
        #expect(CaseCalendar.day(at: 1_782_945_000).description == "2026-07-02")
        let day = try #require(CalendarDate("2026-06-15"))
        func band(_ birth: String) throws -> ReferralOffer.AgeBand? {
            CaseCalendar.ageBand(born: try #require(CalendarDate(birth)), on: day)
        }
        #expect(try band("2026-06-15") == .infant)
        #expect(try band("2022-06-16") == .infant)  // 3 until tomorrow
        #expect(try band("2022-06-15") == .child)
        #expect(try band("2014-06-16") == .child)
        #expect(try band("2014-06-15") == .teenager)
        #expect(try band("2008-06-16") == .teenager)
        #expect(try band("2008-06-15") == nil)  // 18
        #expect(try band("2026-06-16") == nil)  // not yet born
    }
}
